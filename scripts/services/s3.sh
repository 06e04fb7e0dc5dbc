# shellcheck shell=bash
s3_up() { die "s3: not implemented yet"; }
s3_down() { SERVICE_REPORT="not implemented"; }
s3_status() { SERVICE_REPORT="not implemented"; }
s3_env() { :; }
