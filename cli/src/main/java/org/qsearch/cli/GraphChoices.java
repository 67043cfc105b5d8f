package org.qsearch.cli;

import org.qsearch.indexer.GraphChoice;

/** --graph and --graphs: a graph choice by its lowercase label. */
final class GraphChoices extends EnumConverter<GraphChoice> {
    GraphChoices() {
        super(GraphChoice.class);
    }
}
