package org.qsearch.server;

import io.javalin.security.RouteRole;

/** Who may call a route: every route declares one, and {@link BearerAuth#check} enforces it before the route runs. */
enum Role implements RouteRole {
    /** Monitoring (health, metrics, the OpenAPI document): open even when reads need the token. */
    OPEN,
    /** Reads: open unless the server protects them. */
    READ,
    /** Writes: the token, or insecure writes on loopback from this server's own page. */
    WRITE
}
