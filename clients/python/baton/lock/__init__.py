"""Generated from proto/baton/lock/v1 by clients/python/generate.sh. Do not edit."""
