#!/usr/bin/env bash
# Local single-node Apache Kafka 4.x (KRaft, broker + controller in one JVM) in
# .infra/kafka, run from the Maven Central jars listed in kafka/pom.xml.
#   kafka.sh install  copy the broker's jars into .infra/kafka/lib (once)
#   kafka.sh start    format storage on first use, start (or reuse), wait ready
#   kafka.sh stop     SIGTERM (controlled shutdown)
#   kafka.sh kill     SIGKILL (fault injection)
#   kafka.sh status   exit 0 when the process is alive and the port open, else 3
#   kafka.sh topics   create the application topics if missing, then describe
set -euo pipefail
SERVICE=kafka
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

K_DIR="$OVENLINE_INFRA/kafka"
K_LIB="$K_DIR/lib"
K_DATA="$K_DIR/data"
K_LOGS="$K_DIR/logs"
K_PROPS="$K_DIR/server.properties"
K_ADMIN="$K_DIR/admin.properties"
K_PID="$K_DIR/kafka.pid"
POM_DIR="$INFRA_SCRIPTS/kafka"
PORT="$OVENLINE_KAFKA_PORT"
CPORT="$OVENLINE_KAFKA_CONTROLLER_PORT"
BOOTSTRAP="127.0.0.1:$PORT"
READY_TIMEOUT="${OVENLINE_KAFKA_READY_TIMEOUT:-90}" # seconds

# The retention budget of pizza-orders is 5 GiB in all, split across partitions.
TOPIC_BYTES_TOTAL=5368709120

kjava() { java -cp "$K_LIB/*" "$@"; }
pid() { pid_of "$K_PID" "kafka.Kafka $K_PROPS"; }

install() {
  ensure_packages java=default-jre-headless mvn=maven
  local stamp started
  # The lib folder is complete when it carries the hash of the POM it came from.
  stamp="$(sha256sum "$POM_DIR/pom.xml" | cut -d' ' -f1)"
  [ "$(cat "$K_LIB/.complete" 2>/dev/null)" = "$stamp" ] && return 0
  log "copying the broker's jars from Maven into $K_LIB"
  started=$SECONDS
  rm -rf "$K_LIB.tmp"
  mkdir -p "$K_DIR"
  mvn -B -f "$POM_DIR/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$K_LIB.tmp" >"$K_DIR/mvn.log" 2>&1 ||
    { tail -n 30 "$K_DIR/mvn.log" >&2; die "mvn failed (log: $K_DIR/mvn.log)"; }
  echo "$stamp" >"$K_LIB.tmp/.complete"
  rm -rf "$K_LIB"
  mv "$K_LIB.tmp" "$K_LIB"
  log "installed $(find "$K_LIB" -name '*.jar' | wc -l) jars in $((SECONDS - started))s"
}

# The listener for the cluster's pods (OVENLINE_KAFKA_POD_ADDRESS), or nothing.
pod_listener() {
  [ -n "${OVENLINE_KAFKA_POD_ADDRESS:-}" ] && echo "PODS://$OVENLINE_KAFKA_POD_ADDRESS:$OVENLINE_KAFKA_POD_PORT"
  return 0
}

write_config() {
  mkdir -p "$K_DATA" "$K_LOGS"
  local pods listeners="PLAINTEXT://127.0.0.1:$PORT" map="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  pods="$(pod_listener)"
  [ -z "$pods" ] || { listeners+=",$pods"; map+=",PODS:PLAINTEXT"; }
  cat >"$K_PROPS" <<EOF
process.roles=broker,controller
node.id=1
listeners=$listeners,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=$listeners
listener.security.protocol.map=$map
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:$CPORT
log.dirs=$K_DATA
num.partitions=$OVENLINE_KAFKA_PARTITIONS
auto.create.topics.enable=false
# One node: with the default factor 3 these internal topics cannot be created,
# and consumer groups fail with "group coordinator is not available".
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# After a SIGKILL the restarted node cannot register again until its previous
# incarnation's session expires (default 9 s); shorter makes restarts faster.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000
EOF
  # Short timeouts for the tools, so that a readiness probe fails fast.
  cat >"$K_ADMIN" <<EOF
request.timeout.ms=5000
default.api.timeout.ms=8000
EOF
}

# First start only. --standalone makes this node the only voter of the metadata
# quorum. (A later change of the controller port was tried: the node still works.)
format_storage() {
  local id
  id="$(kjava kafka.tools.StorageTool random-uuid)"
  log "formatting $K_DATA (cluster id $id)"
  kjava kafka.tools.StorageTool format --standalone -t "$id" -c "$K_PROPS" >"$K_LOGS/format.log"
}

topic_cmd() { kjava org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --command-config "$K_ADMIN" "$@"; }
ready() { port_open "$PORT" && topic_cmd --list >/dev/null 2>&1; }

fail_start() {
  echo "--- tail of $K_LOGS/server.log" >&2
  tail -n 40 "$K_LOGS/server.log" >&2 2>/dev/null || true
  echo "--- tail of $K_LOGS/kafka.out" >&2
  tail -n 20 "$K_LOGS/kafka.out" >&2 2>/dev/null || true
  die "$1"
}

start() {
  install
  if pid >/dev/null && ready; then
    if [ -z "$(pod_listener)" ] || grep -qF "$(pod_listener)" "$K_PROPS"; then
      log "already running on $BOOTSTRAP (pid $(pid)), reusing"
      ovenline_write_env
      return 0
    fi
    log "restarting to add the listener $(pod_listener)"
    stop
  fi
  local p t0=$SECONDS
  if p="$(pid)"; then
    log "pid $p is alive but not answering yet; waiting for it"
  else
    drop_stale_pid_file "$K_PID" # stale after a kill
    ! port_open "$PORT" || die "$(port_taken_message "$PORT" OVENLINE_KAFKA_PORT)"
    ! port_open "$CPORT" || die "$(port_taken_message "$CPORT" OVENLINE_KAFKA_CONTROLLER_PORT)"
    write_config
    [ -f "$K_DATA/meta.properties" ] || format_storage
    # setsid: the broker must not die with the caller's terminal or process group.
    setsid nohup java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dkafka.logs.dir="$K_LOGS" -Dlog4j2.configurationFile="$POM_DIR/log4j2.properties" \
      -cp "$K_LIB/*" kafka.Kafka "$K_PROPS" >>"$K_LOGS/kafka.out" 2>&1 </dev/null &
    p=$!
    echo "$p" >"$K_PID"
  fi
  until ready; do
    # kill -0, not pid(): until the child has exec'd java its command line is still this shell's.
    kill -0 "$p" 2>/dev/null || fail_start "the broker exited during start-up"
    [ $((SECONDS - t0)) -lt "$READY_TIMEOUT" ] || fail_start "not ready after ${READY_TIMEOUT}s"
    sleep 0.5
  done
  log "ready on $BOOTSTRAP (pid $(pid)) after $((SECONDS - t0))s"
  ovenline_write_env
}

stop() {
  local p
  if p="$(pid)"; then
    kill -TERM "$p"
    wait_gone "$p" 60 || { log "no exit after 60s, SIGKILL"; kill -KILL "$p"; wait_gone "$p" 10 || true; }
    rm -f "$K_PID"
    log "stopped"
  else
    log "not running"
  fi
}

kill_() {
  local p
  if p="$(pid)"; then
    kill_tree "$p"
    log "killed pid $p"
  else
    log "not running"
  fi
}

status() {
  if pid >/dev/null && port_open "$PORT"; then
    echo "kafka: running on $BOOTSTRAP (pid $(pid))"
  else
    echo "kafka: not running"
    return 3
  fi
}

# create_topic NAME PARTITIONS CONFIG...  (kept as is when it exists)
create_topic() {
  local name="$1" parts="$2" args=() c
  shift 2
  for c in "$@"; do args+=(--config "$c"); done
  topic_cmd --create --if-not-exists --topic "$name" --partitions "$parts" \
    --replication-factor 1 "${args[@]}" >/dev/null
}

topics() {
  status >/dev/null || die "not running; run kafka.sh start first"
  local parts="$OVENLINE_KAFKA_PARTITIONS"
  create_topic pizza-orders "$parts" retention.ms=86400000 \
    retention.bytes=$((TOPIC_BYTES_TOTAL / parts))
  create_topic pizza-orders.dlq 1 retention.ms=604800000
  # Summary lines only (one per topic); an existing topic keeps its settings.
  local described
  described="$(topic_cmd --describe --topic 'pizza-orders|pizza-orders\.dlq|__consumer_offsets' |
    grep '^Topic:' | tr '\t' ' ')"
  grep -v '__consumer_offsets' <<<"$described"
  grep -q "^Topic: pizza-orders .*PartitionCount: $parts " <<<"$described" ||
    log "warning: pizza-orders exists with another partition count than $parts; kept as is"
  # The broker creates __consumer_offsets on the first coordinator look-up; doing
  # it here spares the first consumer group "coordinator not available" retries.
  if ! grep -q '^Topic: __consumer_offsets ' <<<"$described"; then
    kjava org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$BOOTSTRAP" \
      --command-config "$K_ADMIN" --describe --group ovenline-warm-up >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
kill) kill_ ;;
status) status ;;
topics) topics ;;
*) usage "install|start|stop|kill|status|topics" ;;
esac
