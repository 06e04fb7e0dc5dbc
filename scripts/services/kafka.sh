# shellcheck shell=bash
kafka_up() { die "kafka: not implemented yet"; }
kafka_down() { SERVICE_REPORT="not implemented"; }
kafka_status() { SERVICE_REPORT="not implemented"; }
kafka_env() { :; }
