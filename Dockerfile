# Multi-stage build: compile with the full toolchain, run on a slim image as a non-root user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p earlyhelp

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/earlyhelp --create-home earlyhelp
COPY --from=build /src/target/release/earlyhelp /usr/local/bin/earlyhelp
USER earlyhelp
WORKDIR /var/lib/earlyhelp
ENV EARLYHELP_ADDR=0.0.0.0:8080 \
    EARLYHELP_LOG_FORMAT=json
EXPOSE 8080
# Orchestrators should probe GET /healthz (liveness) and GET /readyz (readiness).
ENTRYPOINT ["/usr/local/bin/earlyhelp"]
CMD ["serve"]
