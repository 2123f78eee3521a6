#!/usr/bin/env bash
# The processes scripts/run starts, stopped together. Source it after setup.sh.
#
# Each child runs in a session (and process group) of its own, so a terminal's Ctrl-C reaches
# this script alone, and SIGINT and SIGTERM stop everything the same way: SIGTERM to each child,
# up to STOP_GRACE_SECONDS (plus STOP_MARGIN_SECONDS) for them to finish what they are doing and
# exit, then SIGKILL to whatever is left in their process groups. When a server exits on its
# own, the others are stopped too and the script exits with its status.

SERVER_PIDS=()
HELPER_PIDS=()
STEP_PID=""
STOP_MARGIN_SECONDS=5

# start_server COMMAND...: a long-running process the gateway needs; its exit stops the rest.
start_server() {
  setsid "$@" &
  SERVER_PIDS+=("$!")
}

# start_helper COMMAND...: a process that may end by itself (it is stopped with the servers).
start_helper() {
  setsid "$@" &
  HELPER_PIDS+=("$!")
}

# run_step COMMAND...: run a set-up step to its end; a stop signal meanwhile stops it too.
run_step() {
  local status=0
  setsid "$@" &
  STEP_PID="$!"
  wait "$STEP_PID" || status=$?
  STEP_PID=""
  return "$status"
}

running() {
  # Alive and not yet reaped (a zombie still answers `kill -0`).
  local state
  state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)"
  [ -n "$state" ] && [ "$state" != Z ]
}

children() {
  echo "${SERVER_PIDS[@]}" "${HELPER_PIDS[@]}" $STEP_PID
}

stop_children() {
  trap '' INT TERM
  local pid deadline=$((SECONDS + ${STOP_GRACE_SECONDS:-8} + STOP_MARGIN_SECONDS))
  for pid in $(children); do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $(children); do
    while running "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
      sleep 0.2
    done
  done
  for pid in $(children); do
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}

# stop_on_signals: from now on SIGTERM and SIGINT stop every child, then exit 143 or 130.
stop_on_signals() {
  trap 'log "stopping (SIGTERM)"; stop_children; log "stopped"; exit 143' TERM
  trap 'log "stopping (SIGINT)"; stop_children; log "stopped"; exit 130' INT
}

# supervise: wait until a signal arrives or a server exits; then stop all and exit.
supervise() {
  local status=0
  wait -n "${SERVER_PIDS[@]}" || status=$?
  log "a process exited (status $status): stopping the others"
  stop_children
  exit "$status"
}
