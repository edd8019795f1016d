"""Background jobs: Redis and the rq queues, the worker and the cron scheduler, the administrators' page."""
