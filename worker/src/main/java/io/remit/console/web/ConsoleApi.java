package io.remit.console.web;

import io.remit.console.deadletter.DeadLetterFilter;
import io.remit.console.deadletter.DeadLetterReader;
import io.remit.console.redrive.RedriveRequest;
import io.remit.console.redrive.RedriveView;
import io.remit.console.redrive.Redrives;
import java.net.URI;
import java.security.Principal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * The console's JSON API under {@code /ops/}: dead letters (list, one requestId's history) and
 * redrives (request, progress and audit, cancel). Authentication and roles: {@link ConsoleSecurity}.
 */
@RestController
@RequestMapping("/ops")
public final class ConsoleApi {
    static final int MAX_PAGE_SIZE = 500;

    private final DeadLetterReader deadLetters;
    private final Redrives redrives;

    public ConsoleApi(DeadLetterReader deadLetters, Redrives redrives) {
        this.deadLetters = deadLetters;
        this.redrives = redrives;
    }

    @GetMapping("/dead-letters")
    public DeadLetterReader.Page<DeadLetterReader.Row> deadLetters(
            @RequestParam(required = false) @Nullable List<String> code,
            @RequestParam(required = false) @Nullable List<String> type,
            @RequestParam(required = false) @Nullable Instant from,
            @RequestParam(required = false) @Nullable Instant to,
            @RequestParam(required = false) @Nullable List<String> requestId,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "50") int size) {
        if (page < 0 || size < 1 || size > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("page must be 0 or more and size between 1 and " + MAX_PAGE_SIZE);
        }
        return deadLetters.list(
                new DeadLetterFilter(orNone(code), orNone(type), from, to, orNone(requestId)), page, size);
    }

    /** An absent parameter narrows nothing, as an empty one. */
    private static List<String> orNone(@Nullable List<String> values) {
        return values == null ? List.of() : values;
    }

    /** One command's history: its outcome and settlement, attempts, dead letters, redrives and webhooks. */
    @GetMapping({"/dead-letters/{requestId}", "/commands/{requestId}"})
    public ResponseEntity<DeadLetterReader.History> deadLetter(@PathVariable String requestId) {
        DeadLetterFilter.withoutNul(requestId);
        DeadLetterReader.History history = deadLetters.history(requestId);
        return history == null ? ResponseEntity.notFound().build() : ResponseEntity.ok(history);
    }

    @PostMapping("/redrives")
    public ResponseEntity<RedriveView> redrive(@RequestBody RedriveRequest request, Principal user) {
        RedriveView planned = redrives.request(request, user.getName());
        return ResponseEntity.created(URI.create("/ops/redrives/" + planned.id()))
                .body(planned);
    }

    @GetMapping("/redrives")
    public List<RedriveView> redrives(@RequestParam(defaultValue = "50") int limit) {
        return redrives.recent(Math.clamp(limit, 1, MAX_PAGE_SIZE));
    }

    @GetMapping("/redrives/{id}")
    public ResponseEntity<RedriveView> redrive(@PathVariable UUID id) {
        return ResponseEntity.of(redrives.find(id));
    }

    @PostMapping("/redrives/{id}/cancel")
    public ResponseEntity<RedriveView> cancel(@PathVariable UUID id, Principal user) {
        return ResponseEntity.of(redrives.cancel(id, user.getName()));
    }

    @ExceptionHandler({IllegalArgumentException.class, MethodArgumentTypeMismatchException.class})
    ResponseEntity<ProblemDetail> badRequest(Exception e) {
        String detail =
                e instanceof MethodArgumentTypeMismatchException m ? "cannot read " + m.getName() : e.getMessage();
        return ResponseEntity.badRequest().body(ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail));
    }
}
