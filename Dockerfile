# syntax=docker/dockerfile:1
# thiduabot: a static binary (CGO off, time zones embedded) in a distroless image, run as a
# non-root user. Build: docker build -t thiduabot .
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# timetzdata embeds the zone database (main.go imports time/tzdata as well), so
# Asia/Ho_Chi_Minh and every bloc's own zone work without /usr/share/zoneinfo.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -tags timetzdata -ldflags="-s -w" -o /out/thiduabot .

# distroless/static: CA certificates for api.telegram.org, /etc/passwd with "nonroot"
# (65532), no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/thiduabot /usr/local/bin/thiduabot
COPY config.example.yaml /etc/thiduabot/config.example.yaml
USER nonroot:nonroot
# 8443: the webhook (WEBHOOK_LISTEN); 9090: /metrics, /healthz, /readyz (HTTP_LISTEN).
ENV HTTP_LISTEN=0.0.0.0:9090 WEBHOOK_LISTEN=:8443
EXPOSE 8443 9090
ENTRYPOINT ["/usr/local/bin/thiduabot"]
