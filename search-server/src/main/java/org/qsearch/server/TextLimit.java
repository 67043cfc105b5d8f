package org.qsearch.server;

/**
 * Length limits of the texts a request carries ({@link #MAX_CHARS} for queries, written texts
 * and captions), counted in characters as a person counts them: Unicode code points, so that an
 * emoji is one character, not two UTF-16 units.
 */
final class TextLimit {
    static final int MAX_CHARS = 1000;

    private TextLimit() {}

    /** {@code text}, refused with a 400 naming {@code what} when it is longer than {@code limit} characters. */
    static String check(String text, int limit, String what) {
        // a string of n UTF-16 units holds n/2..n code points: count only when it could be over
        if (text.length() > limit) {
            int chars = text.codePointCount(0, text.length());
            if (chars > limit) {
                throw ApiProblem.badRequest(what + " has " + chars + " characters; the limit is " + limit);
            }
        }
        return text;
    }
}
