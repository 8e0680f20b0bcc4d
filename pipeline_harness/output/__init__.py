"""What a person or a tool reads: the report in each format, and the generated parts of docs."""
