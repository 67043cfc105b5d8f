package org.qsearch.encoder;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TextTokenizerTest {
    static TextTokenizer tokenizer;

    @BeforeAll
    static void open() {
        tokenizer = TextTokenizer.qformer(ModelBundle.load(TestBundles.tiny()));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void emptyAndBlankTextAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> tokenizer.encode(""));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.encode("   \n"));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.encodeBatch(List.of("ok", "")));
    }

    @Test
    void longTextIsTruncatedOnTheRightKeepingClsAndSep() {
        long[] ids = tokenizer.encode("dog ".repeat(500));
        assertEquals(tokenizer.maxLength(), ids.length);
        assertEquals(101, ids[0], "[CLS]");
        assertEquals(102, ids[ids.length - 1], "[SEP]");
        assertEquals(3899, ids[1], "bert-base-uncased id of 'dog'");
    }

    @Test
    void batchIsRightPaddedWithMask() {
        TextTokenizer.Batch b = tokenizer.encodeBatch(List.of("red heart", "a grinning face with big eyes"));
        assertEquals(2, b.rows());
        assertEquals(4, b.ids()[0].length - java.util.Arrays.stream(b.ids()[0]).filter(x -> x == 0).count());
        assertEquals(0, b.mask()[0][b.columns() - 1]);
        assertEquals(1, b.mask()[1][b.columns() - 1]);
    }
}
