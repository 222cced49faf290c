#!/bin/sh
# examples/demo.sh BUILD - the main job on the running example: check and
# compile the GSP pharmacy policy, print its role x column matrix, then ask
# why a pharmacist sees what they see and what the outbound-call screen
# does to a supervisor's view of the national ID.
set -eu
WARD=${1:-build}/ward
P=policies/gsp_pharmacy.ward

# Bold command lines on a terminal only, and never with NO_COLOR.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B='\033[1m' E='\033[0m'; else B= E=; fi
step() { printf "\n${B}\$ %s${E}\n" "$*"; "$@"; }

step "$WARD" compile "$P"
step "$WARD" matrix "$P"
step "$WARD" explain "$P" --role pharmacist customers
step "$WARD" explain "$P" --role cs_supervisor --scenario outbound_call \
    customers.id_card
step "$WARD" explain "$P" --role store_manager --attr store_id=7 \
    customers.store_id
