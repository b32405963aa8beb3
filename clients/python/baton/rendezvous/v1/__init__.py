"""Generated from proto/baton/rendezvous/v1 by clients/python/generate.sh. Do not edit."""
