# A small image of Quire: built with cargo, run from a distroless base as a non-root user.
#   docker build -t quire .
#   docker run -p 8080:8080 -v quire-data:/data quire              # add `serve --demo` for the demo
# Configure with QUIRE_<SECTION>__<KEY> variables, or a reports.toml in the volume (/data, the
# working folder, where Quire looks for it).

FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src src
COPY migrations migrations
COPY templates templates
COPY static static
COPY examples examples
COPY reports.toml.example ./
RUN cargo build --profile dist --locked \
 && strip target/dist/quire \
 && mkdir -p /out/data \
 && cp target/dist/quire /out/quire

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/quire /usr/local/bin/quire
# The data folder belongs to the image's non-root user (uid 65532); mount a volume over it.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
ENV QUIRE_SERVER__BIND=0.0.0.0:8080 \
    QUIRE_STORAGE__DATA_DIR=/data \
    QUIRE_SERVER__LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["/usr/local/bin/quire"]
CMD ["serve"]
