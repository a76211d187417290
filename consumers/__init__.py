"""Entry points that bring messages in: JSONL files and Kafka."""
