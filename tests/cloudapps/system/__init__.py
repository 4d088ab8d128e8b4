"""The whole cloudapps system running: launcher, Apache + RabbitMQ + PostgreSQL, scale-out."""
