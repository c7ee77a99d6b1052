package io.remit.console.web;

import io.remit.command.CommandType;
import io.remit.console.ConsoleRole;
import io.remit.console.deadletter.DeadLetterFilter;
import io.remit.console.deadletter.DeadLetterReader;
import io.remit.console.redrive.RedriveRequest;
import io.remit.console.redrive.RedriveView;
import io.remit.console.redrive.Redrives;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ResponseStatusException;

/**
 * The triage page, server-rendered: dead letters by code over the last day, a filterable list,
 * one requestId's dead letters with command, headers and attempts, select → dry run → redrive with
 * a reason, and the redrives with their progress. No script: forms only, each with a CSRF token.
 */
@Controller
@RequestMapping("/ops")
public final class ConsolePages {
    static final int PAGE_SIZE = 50;
    static final List<String> TYPES = types();

    private final DeadLetterReader deadLetters;
    private final Redrives redrives;
    private final ConsoleFormat format = new ConsoleFormat();

    public ConsolePages(DeadLetterReader deadLetters, Redrives redrives) {
        this.deadLetters = deadLetters;
        this.redrives = redrives;
    }

    /** What a redrive form sends: the filter (or the selected requestIds), the reason, the rate, force, dry run or not. */
    public record RedriveForm(
            List<String> codes,
            List<String> types,
            String from,
            String to,
            List<String> requestIds,
            String reason,
            Integer ratePerSecond,
            Boolean force,
            Boolean dryRun) {
        RedriveRequest request() {
            DeadLetterFilter filter =
                    new DeadLetterFilter(codes, types, ConsoleFormat.parse(from), ConsoleFormat.parse(to), requestIds);
            return new RedriveRequest(
                    filter, Boolean.TRUE.equals(dryRun), reason, ratePerSecond, Boolean.TRUE.equals(force));
        }
    }

    @ModelAttribute
    void common(Model model, @Nullable Authentication user) {
        model.addAttribute("fmt", format);
        if (user == null) return;
        model.addAttribute("user", user.getName());
        model.addAttribute(
                "operator",
                user.getAuthorities().stream()
                        .anyMatch(a -> ("ROLE_" + ConsoleRole.OPERATOR).equals(a.getAuthority())));
    }

    @GetMapping
    String root() {
        return "redirect:/ops/";
    }

    @GetMapping("/login")
    String login() {
        return "ops/login";
    }

    @GetMapping("/")
    String index(
            @RequestParam(defaultValue = "") String code,
            @RequestParam(defaultValue = "") String type,
            @RequestParam(defaultValue = "") String from,
            @RequestParam(defaultValue = "") String to,
            @RequestParam(defaultValue = "") String requestId,
            @RequestParam(defaultValue = "0") int page,
            Model model) {
        model.addAttribute("codes", deadLetters.byCode());
        model.addAttribute("hours", DeadLetterReader.HOURS);
        model.addAttribute("types", TYPES);
        model.addAttribute("q", new Query(code, type, from, to, requestId));
        try {
            DeadLetterFilter filter = new DeadLetterFilter(
                    List.of(code),
                    List.of(type),
                    ConsoleFormat.parse(from),
                    ConsoleFormat.parse(to),
                    List.of(requestId));
            model.addAttribute(
                    "page",
                    deadLetters.list(
                            filter, Math.clamp(page, 0, DeadLetterReader.MAX_COUNTED / PAGE_SIZE - 1), PAGE_SIZE));
        } catch (IllegalArgumentException e) {
            model.addAttribute("error", e.getMessage());
        }
        model.addAttribute("redrives", redrives.recent(5));
        return "ops/index";
    }

    /** The list's filter as typed. */
    public record Query(String code, String type, String from, String to, String requestId) {}

    /** By query parameter: the requestId of a command without a usable key is {@code @topic/partition/offset}. */
    @GetMapping({"/ui/dead-letter", "/ui/command"})
    String deadLetter(@RequestParam String requestId, Model model) {
        DeadLetterReader.History history = deadLetters.history(requestId);
        if (history == null)
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "nothing is stored for this requestId");
        model.addAttribute("history", history);
        return "ops/dead-letter";
    }

    @PostMapping("/ui/redrives")
    String redrive(@ModelAttribute RedriveForm form, Authentication user, Model model) {
        model.addAttribute("form", form);
        try {
            RedriveView planned = redrives.request(form.request(), user.getName());
            if (!planned.dryRun()) return "redirect:/ops/ui/redrives/" + planned.id();
            model.addAttribute("plan", planned);
        } catch (IllegalArgumentException e) {
            model.addAttribute("error", e.getMessage());
        }
        return "ops/redrive-plan";
    }

    private static List<String> types() {
        List<String> types = new ArrayList<>();
        for (CommandType type : CommandType.values()) types.add(type.wireName());
        types.add(CommandType.UNKNOWN);
        return List.copyOf(types);
    }

    @GetMapping("/ui/redrives")
    String redrives(Model model) {
        model.addAttribute("redrives", redrives.recent(100));
        return "ops/redrives";
    }

    @GetMapping("/ui/redrives/{id}")
    String redrive(@PathVariable UUID id, Model model) {
        RedriveView redrive = redrives.find(id)
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no such redrive"));
        model.addAttribute("redrive", redrive);
        model.addAttribute("items", redrives.items(id, 200));
        return "ops/redrive";
    }

    @PostMapping("/ui/redrives/{id}/cancel")
    String cancel(@PathVariable UUID id, Authentication user) {
        redrives.cancel(id, user.getName());
        return "redirect:/ops/ui/redrives/" + id;
    }
}
