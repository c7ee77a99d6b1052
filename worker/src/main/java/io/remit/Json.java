package io.remit;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * remit's JSON, built once here: the formats remit owns (API requests and answers, outcome events, stored answers,
 * fingerprints) and its reading of untrusted input. They are deliberately not Boot's mapper, which {@code spring.jackson.*}
 * properties customise: a deployment's property must not change an event's schema or a stored fingerprint. The console's
 * HTTP endpoints use Boot's.
 */
public final class Json {
    /** Jackson's defaults (in 3.x: trailing data after the value is an error). */
    public static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {}

    /** For bytes a producer or a sender chose: a duplicate key is an error too, and the document is bounded by {@code limits}. */
    public static JsonMapper strict(StreamReadConstraints limits) {
        return JsonMapper.builder(JsonFactory.builder()
                        .streamReadConstraints(limits)
                        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                        .build())
                .build();
    }
}
