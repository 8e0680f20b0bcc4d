FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1
ENV PYTHONUNBUFFERED=1

WORKDIR /workspace

RUN apt-get update && apt-get install -y --no-install-recommends \
    gcc \
    libpq-dev \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# Copy the app files cleanly into the working directory
COPY . .

EXPOSE 8000

# Tell Uvicorn exactly where to look relative to our directory path
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]