"""The document pipeline's entries: Ollama, Paperless-ngx (+ Paperless-AI) and n8n."""
