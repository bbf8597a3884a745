# Multi-stage build of the single `poort` binary (templates and assets are compiled in).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p poort-server

FROM debian:bookworm-slim
RUN useradd --system --home /var/lib/poort poort && mkdir -p /var/lib/poort && chown poort /var/lib/poort
COPY --from=build /src/target/release/poort /usr/local/bin/poort
USER poort
WORKDIR /var/lib/poort
ENV POORT_BIND=0.0.0.0:8080 POORT_DATA_DIR=/var/lib/poort
EXPOSE 8080
ENTRYPOINT ["poort"]
CMD ["serve"]
