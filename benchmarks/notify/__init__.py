"""Notification benchmarks: carya.notify against oslo.messaging on the same RabbitMQ."""
