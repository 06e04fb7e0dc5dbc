# shellcheck shell=bash disable=SC2034 # the variables set here are read by scripts/services.sh
# Apache Kafka 3.9 in KRaft mode (one node, broker+controller) on 127.0.0.1:9092, controller on
# 127.0.0.1:9093. No broker ships in npm or Debian, so the jars come from Maven Central (the
# kafka_2.13 artifact and its runtime dependencies) into a cache reused between runs.

readonly KAFKA_VERSION=${KAFKA_VERSION:-3.9.2}
readonly KAFKA_PORT=9092
readonly KAFKA_CONTROLLER_PORT=9093
readonly KAFKA_LOCAL_BROKERS="127.0.0.1:$KAFKA_PORT"
readonly KAFKA_TOPICS=("telematics.events:6")
readonly KAFKA_JVM_TOOL_OPTS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true)

kafka_layout() {
  KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
  KAFKA_LIBS="$KAFKA_HOME/libs"
  KAFKA_DIR="$STATE_DIR/kafka"
  KAFKA_DATA="$KAFKA_DIR/data"
  KAFKA_PROPS="$KAFKA_DIR/server.properties"
  KAFKA_LOG="$KAFKA_DIR/server.log"
  KAFKA_STDOUT="$KAFKA_DIR/stdout.log"
  KAFKA_PIDFILE="$STATE_DIR/kafka.pid"
}

kafka_require_java() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || [[ -f $KAFKA_HOME/.complete ]] || apt_install maven
}

# Downloads kafka_2.13 (server), kafka-tools (TopicCommand) and slf4j-reload4j (logging backend)
# with every runtime dependency, through a throwaway pom; once per version and machine.
kafka_fetch() {
  [[ -f $KAFKA_HOME/.complete ]] && return 0
  mkdir -p "$KAFKA_HOME"
  (
    # Other checkouts share the cache: one download at a time.
    exec 8>"$KAFKA_HOME.lock"
    flock -w 900 8 || die "timed out waiting for $KAFKA_HOME.lock"
    [[ -f $KAFKA_HOME/.complete ]] && exit 0
    note "downloading Kafka $KAFKA_VERSION jars from Maven Central (once) into $KAFKA_HOME"
    local work log
    work=$(mktemp -d "$KAFKA_HOME/fetch.XXXXXX")
    log="$KAFKA_HOME/fetch.log"
    cat >"$work/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.telematics</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version>
  </plugin></plugins></build>
</project>
POM
    if ! mvn -B -q -f "$work/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$work/libs" >"$log" 2>&1; then
      tail -n 30 "$log" >&2
      rm -rf "$work"
      die "downloading the Kafka jars failed (log: $log)"
    fi
    rm -rf "$KAFKA_LIBS"
    mv "$work/libs" "$KAFKA_LIBS"
    rm -rf "$work"
    touch "$KAFKA_HOME/.complete"
  )
}

kafka_write_config() {
  mkdir -p "$KAFKA_DIR" "$KAFKA_DATA"
  cat >"$KAFKA_PROPS" <<PROPS
# Written by scripts/services.sh on every start: a single KRaft node for development and tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$KAFKA_DATA
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
auto.create.topics.enable=true
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
PROPS
  cat >"$KAFKA_DIR/log4j.properties" <<'LOG4J'
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.MaxFileSize=10MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
LOG4J
  cat >"$KAFKA_DIR/tools-log4j.properties" <<'LOG4J'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
LOG4J
}

kafka_tool() { # CLASS ARGS...
  java "${KAFKA_JVM_TOOL_OPTS[@]}" -Dlog4j.configuration="file:$KAFKA_DIR/tools-log4j.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

kafka_new_cluster_id() {
  local id=-
  while [[ $id == -* ]]; do id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'); done
  printf '%s' "$id"
}

# The storage is formatted once, with a cluster id kept next to it.
kafka_format() {
  [[ -f $KAFKA_DATA/meta.properties ]] && return 0
  local id_file="$KAFKA_DIR/cluster-id" cluster_id out
  # A Kafka cluster id is 16 random bytes in URL-safe base64 without padding (22 characters).
  # Like Kafka's own Uuid.randomUuid, never one that starts with '-': the storage tool would take
  # it for an option (one fresh machine in 64 failed to start Kafka for that reason).
  [[ -s $id_file && $(<"$id_file") != -* ]] || kafka_new_cluster_id >"$id_file"
  cluster_id=$(<"$id_file")
  if ! out=$(kafka_tool kafka.tools.StorageTool format --cluster-id="$cluster_id" -c "$KAFKA_PROPS" --ignore-formatted 2>&1); then
    printf '%s\n' "$out" >&2
    die "formatting the Kafka storage failed"
  fi
}

kafka_start() {
  : >"$KAFKA_STDOUT"
  # setsid: the broker must outlive this shell and ignore a Ctrl-C typed at it.
  setsid java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dkafka.logs.dir="$KAFKA_DIR" -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS" \
    </dev/null >>"$KAFKA_STDOUT" 2>&1 9>&- &
  KAFKA_STARTED_PID=$!
  echo "$KAFKA_STARTED_PID" >"$KAFKA_PIDFILE"
}

# A real Metadata request (v4: understood by Kafka 1.0 through 4.x) over bash's /dev/tcp, no
# JVM needed: succeeds when the broker answers with at least one live broker.
kafka_probe() { # HOST PORT
  local hex
  # shellcheck disable=SC2016 # expanded by the inner bash
  hex=$(timeout 5 bash -c '
    exec 3<>"/dev/tcp/$1/$2"
    # size=20 | api_key=3 (Metadata) | version=4 | correlation_id=42 | client_id="probe"
    # | topics=null (all) | allow_auto_topic_creation=false
    printf "\x00\x00\x00\x14\x00\x03\x00\x04\x00\x00\x00\x2a\x00\x05probe\xff\xff\xff\xff\x00" >&3
    head -c 16 <&3 | od -An -v -tx1 | tr -d " \n"
  ' kafka_probe "$1" "$2" 2>/dev/null) || true
  # response: size | correlation_id | throttle_time_ms | brokers array length
  if [[ ${#hex} == 32 && ${hex:8:8} == 0000002a ]] && ((16#${hex:24:8} >= 1)); then return 0; fi
  echo "no Metadata answer with a live broker from $1:$2"
  return 1
}

kafka_check_local() { kafka_probe 127.0.0.1 "$KAFKA_PORT"; }

kafka_check_brokers() {
  local broker
  local -a brokers
  IFS=',' read -r -a brokers <<<"$KAFKA_BROKERS"
  for broker in "${brokers[@]}"; do
    broker=${broker// /}
    [[ -n $broker ]] || continue
    kafka_probe "${broker%:*}" "${broker##*:}" && return 0
  done
  return 1
}

kafka_topic_class() {
  if compgen -G "$KAFKA_LIBS/kafka-tools-[0-9]*.jar" >/dev/null; then
    echo org.apache.kafka.tools.TopicCommand
  else
    echo kafka.admin.TopicCommand
  fi
}

# Creates the project's topics that do not exist yet (their partition directories tell, which
# spares a JVM start on every 'up').
kafka_create_topics() {
  local spec topic partitions out
  for spec in "${KAFKA_TOPICS[@]}"; do
    topic=${spec%%:*}
    partitions=${spec##*:}
    [[ -d $KAFKA_DATA/$topic-0 ]] && continue
    if ! out=$(kafka_tool "$(kafka_topic_class)" --bootstrap-server "$KAFKA_LOCAL_BROKERS" \
      --create --if-not-exists --topic "$topic" --partitions "$partitions" --replication-factor 1 2>&1); then
      printf '%s\n' "$out" >&2
      die "creating the Kafka topic $topic failed"
    fi
  done
}

kafka_running_pid() {
  local pid
  pid=$(read_pidfile "$KAFKA_PIDFILE")
  if pid_matches "$pid" "kafka.Kafka $KAFKA_PROPS" && pid_alive "$pid"; then echo "$pid"; fi
}

kafka_up() {
  local pid port
  if [[ -n ${KAFKA_BROKERS:-} ]]; then
    wait_until 60 "Kafka at $KAFKA_BROKERS" "" kafka_check_brokers
    SERVICE_REPORT="external  $KAFKA_BROKERS"
    return
  fi
  kafka_layout
  pid=$(kafka_running_pid)
  if [[ -n $pid ]]; then
    WAIT_PID=$pid wait_until 60 "Kafka" "$KAFKA_LOG" kafka_check_local
    kafka_create_topics
    SERVICE_REPORT="running   $KAFKA_LOCAL_BROKERS pid $pid"
    return
  fi
  rm -f "$KAFKA_PIDFILE"
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if share_or_refuse_port kafka "Kafka" "$port" "$KAFKA_LOCAL_BROKERS" KAFKA_BROKERS 60 kafka_check_local; then return; fi
  done
  kafka_require_java
  kafka_fetch
  kafka_write_config
  kafka_format
  kafka_start
  pid=$KAFKA_STARTED_PID
  registry_set kafka "$pid"
  WAIT_PID=$pid wait_until 120 "Kafka" "$KAFKA_LOG" kafka_check_local
  kafka_create_topics
  SERVICE_REPORT="started   $KAFKA_LOCAL_BROKERS pid $pid"
}

kafka_down() {
  if [[ -n ${KAFKA_BROKERS:-} ]]; then
    SERVICE_REPORT="external  left alone"
    return
  fi
  kafka_layout
  # TERM = controlled shutdown; a single node needs a few seconds.
  stop_local_service kafka "$(kafka_running_pid)" "$KAFKA_PIDFILE" TERM 45
}

kafka_status() {
  if [[ -n ${KAFKA_BROKERS:-} ]]; then
    SERVICE_REPORT="external  $KAFKA_BROKERS"
    return
  fi
  kafka_layout
  local_service_status kafka "$(kafka_running_pid)" "$KAFKA_PORT" "$KAFKA_LOCAL_BROKERS" "(Kafka $KAFKA_VERSION)"
}

kafka_env() {
  if [[ -n ${KAFKA_BROKERS:-} ]]; then
    echo "# KAFKA_BROKERS is external: $KAFKA_BROKERS"
  else
    echo "export KAFKA_BROKERS=$KAFKA_LOCAL_BROKERS"
  fi
}
