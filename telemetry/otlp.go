package telemetry

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// OTLPConfigured reports whether spans should be exported over OTLP:
// endpoint is set, or one of the standard environment variables
// OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is.
func OTLPConfigured(endpoint string) bool {
	return endpoint != "" || os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" ||
		os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// NewOTLPTracerProvider returns a tracer provider that exports spans in
// batches over OTLP/HTTP (protobuf), for actorstore.Config.TracerProvider
// and node.Config.TracerProvider. endpoint is a URL
// (http://collector:4318, https://...; the path defaults to /v1/traces) or
// host:port (plain HTTP); empty leaves it to the standard
// OTEL_EXPORTER_OTLP_* environment variables, which are honoured for
// everything not given here (headers, timeout, compression, TLS). The
// sampler follows OTEL_TRACES_SAMPLER (default: parent-based, always on),
// the resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (default
// service.name "actorstore"). Shut the provider down after the store
// closes to send the last spans.
func NewOTLPTracerProvider(ctx context.Context, endpoint string) (*sdktrace.TracerProvider, error) {
	var opts []otlptracehttp.Option
	if endpoint != "" {
		if !strings.Contains(endpoint, "://") {
			endpoint = "http://" + endpoint
		}
		u, err := url.Parse(endpoint)
		if err != nil {
			return nil, fmt.Errorf("telemetry: OTLP endpoint: %w", err)
		}
		if u.Path == "" || u.Path == "/" {
			u.Path = "/v1/traces"
		}
		opts = append(opts, otlptracehttp.WithEndpointURL(u.String()))
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("telemetry: OTLP exporter: %w", err)
	}
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", "actorstore")),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("telemetry: OTLP resource: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}
