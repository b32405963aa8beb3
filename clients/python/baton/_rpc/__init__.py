"""google.rpc's error model (Status, ErrorInfo, RetryInfo), kept apart from protobuf's default pool."""
