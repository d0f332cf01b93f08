"""What the tests stand up instead of the real thing: listeners, receivers, replicas."""
