"""Generated from proto/baton/errors/v1 by clients/python/generate.sh. Do not edit."""
