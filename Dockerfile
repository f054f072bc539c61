# Multi-stage build of the gongzhi server.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p gongzhi-api --bin gongzhi

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/gongzhi --create-home gongzhi
COPY --from=build /src/target/release/gongzhi /usr/local/bin/gongzhi
USER gongzhi
WORKDIR /var/lib/gongzhi
ENV GONGZHI_BIND=0.0.0.0:8080 GONGZHI_DATA_DIR=/var/lib/gongzhi/data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["gongzhi"]
CMD ["serve"]
