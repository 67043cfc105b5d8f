package org.qsearch.server;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * The bearer-token rules: writes need the configured token (and are refused outright when none
 * is configured, unless the server was started with insecure writes on loopback, and then only
 * from a loopback host and no other origin); reads are open unless the settings protect them.
 */
final class BearerAuth {
    private final ServerSettings settings;

    BearerAuth(ServerSettings settings) {
        this.settings = settings;
    }

    /**
     * The before-handler of every matched route: its {@link Role}'s rule. A route that declares
     * none is refused: a forgotten role must not leave a route open.
     */
    void check(Context ctx) {
        if (ctx.routeRoles().contains(Role.WRITE)) {
            requireWrite(ctx);
        } else if (ctx.routeRoles().contains(Role.READ)) {
            requireRead(ctx);
        } else if (!ctx.routeRoles().contains(Role.OPEN)) {
            throw new IllegalStateException("route " + ctx.method() + " " + ctx.path() + " declares no role");
        }
    }

    private void requireWrite(Context ctx) {
        if (settings.token() == null) {
            if (settings.insecureWrites()) {
                LoopbackHost.requireSameOrigin(ctx);
                return;
            }
            throw new ApiProblem(403, "Writes disabled",
                    "this server accepts no writes: start it with --token (or --insecure-writes on loopback)");
        }
        requireToken(ctx);
    }

    private void requireRead(Context ctx) {
        if (settings.protectReads()) {
            requireToken(ctx);
        }
    }

    private void requireToken(Context ctx) {
        String header = ctx.header("Authorization");
        String prefix = "Bearer ";
        if (header == null || !header.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw new ApiProblem(401, "Unauthorized", "send the token as \"Authorization: Bearer TOKEN\"",
                    Map.of("WWW-Authenticate", "Bearer"));
        }
        // constant time: the comparison must not tell how much of a guess was right
        byte[] given = header.substring(prefix.length()).strip().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, settings.token().getBytes(StandardCharsets.UTF_8))) {
            throw new ApiProblem(401, "Unauthorized", "the token is wrong",
                    Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\""));
        }
    }
}
