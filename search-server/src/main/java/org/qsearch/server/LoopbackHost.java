package org.qsearch.server;

import io.javalin.http.Context;
import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The DNS-rebinding and cross-site rules of a server on loopback: a request must name a loopback
 * host (a page on attacker.example whose name was rebound to 127.0.0.1 still sends "Host:
 * attacker.example"), and a write without a token must come from no page or from one served by
 * this very host (a multipart POST is a CORS simple request: browsers send it cross-site unasked).
 * Names are compared as text, never resolved.
 */
final class LoopbackHost {
    private static final Pattern IPV4_LOOPBACK = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    private LoopbackHost() {}

    /** Refuses a request whose Host header names anything but loopback. */
    static void requireLoopbackHost(Context ctx) {
        String host = ctx.header("Host");
        if (host != null && !isLoopback(host)) {
            throw new ApiProblem(421, "Misdirected request", "this server listens on loopback and answers requests for"
                    + " localhost, 127.0.0.1 or [::1] only, not \"" + host + "\"");
        }
    }

    /** Refuses a write sent by a page of another origin than this host (an absent Origin is a non-browser client). */
    static void requireSameOrigin(Context ctx) {
        requireLoopbackHost(ctx);
        String origin = ctx.header("Origin");
        if (origin == null) {
            return;
        }
        String host = ctx.header("Host");
        URI uri;
        try {
            uri = URI.create(origin);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        boolean same = uri != null && host != null && uri.getRawAuthority() != null
                && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                && uri.getRawAuthority().equalsIgnoreCase(host);
        if (!same) {
            throw new ApiProblem(403, "Cross-origin write",
                    "a write without a token is taken only from this server's own page, not from origin \"" + origin + "\"");
        }
    }

    /** localhost (and its subdomains), 127.0.0.0/8 or ::1, with or without a port. */
    static boolean isLoopback(String hostHeader) {
        String h = hostHeader.strip().toLowerCase(Locale.ROOT);
        String name;
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            name = end < 0 ? h : h.substring(1, end);
        } else {
            int colon = h.indexOf(':');
            name = colon < 0 ? h : h.substring(0, colon);
        }
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        return name.equals("localhost") || name.endsWith(".localhost") || IPV4_LOOPBACK.matcher(name).matches()
                || name.equals("::1") || name.equals("0:0:0:0:0:0:0:1");
    }
}
