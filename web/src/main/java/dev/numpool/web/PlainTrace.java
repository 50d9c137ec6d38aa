package dev.numpool.web;

import dev.numpool.inventory.RoutingTrace;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A routing trace in a customer's words (issue 17): how many providers had numbers, which were
 * tried and what became of each, and why the number came from the one it came from. Providers are
 * named as the operator configures them to be shown ({@code display-name}), otherwise by letter
 * ("Provider A"): their real names are the operator's business. The console shows the raw trace.
 */
final class PlainTrace {
    private PlainTrace() {
    }

    /** The trace as HTML in the visitor's language (provider names escaped here). */
    static String words(Texts t, RoutingTrace trace, Function<String, Optional<String>> displayName) {
        Map<String, String> names = new LinkedHashMap<>();
        int[] lettered = {0};
        trace.considered().forEach(c -> name(t, names, lettered, c.provider(), displayName));
        trace.attempts().forEach(a -> name(t, names, lettered, a.provider(), displayName));
        StringBuilder out = new StringBuilder("<p>");
        int withNumbers = trace.considered().size();
        out.append(Html.escape(withNumbers == 0 ? t.get("trace.no-provider") : t.get("trace.providers", withNumbers)));
        Optional<RoutingTrace.Attempt> bought = trace.attempts().stream().filter(a -> a.outcome().equals("bought")).findFirst();
        long triedBefore = trace.attempts().stream().takeWhile(a -> !a.outcome().equals("bought")).filter(a -> !a.outcome().startsWith("skipped")).count();
        if (bought.isPresent()) {
            String seller = names.get(bought.get().provider());
            // Sentences follow each other after a space, except in Chinese, which needs none after its "。".
            out.append(t.language() == Texts.Language.ZH ? "" : " ").append(Html.escape(triedBefore == 0 ? t.get("trace.bought-first", seller) : t.get("trace.bought-after", seller, triedBefore)));
        }
        out.append("</p>");
        if (trace.attempts().size() > 1 || bought.isEmpty() && !trace.attempts().isEmpty()) {
            out.append("<ol class=\"attempts\">");
            for (RoutingTrace.Attempt a : trace.attempts()) {
                out.append("<li>").append(Html.escape(t.get("trace.attempt", names.get(a.provider()), t.get(outcome(a.outcome()))))).append("</li>");
            }
            out.append("</ol>");
        }
        return out.toString();
    }

    /** The name shown for a provider: the operator's display name, else the next letter ("Provider A", "Provider B", …). */
    private static void name(Texts t, Map<String, String> names, int[] lettered, String provider, Function<String, Optional<String>> displayName) {
        if (!names.containsKey(provider)) {
            names.put(provider, displayName.apply(provider).orElseGet(() -> {
                char letter = (char) ('A' + Math.min(25, lettered[0]++));
                return t.get("trace.provider-letter", String.valueOf(letter));
            }));
        }
    }

    /** The key of the words for an attempt's outcome (the trace's own, a wire value). */
    private static String outcome(String outcome) {
        if (outcome.equals("bought")) {
            return "trace.outcome.bought";
        }
        if (outcome.equals("no_numbers")) {
            return "trace.outcome.no-numbers";
        }
        if (outcome.equals("skipped: circuit open")) {
            return "trace.outcome.circuit-open";
        }
        if (outcome.startsWith("skipped: paused")) {
            return "trace.outcome.paused";
        }
        if (outcome.equals("failed: timeout")) {
            return "trace.outcome.timeout";
        }
        return "trace.outcome.failed";
    }
}
