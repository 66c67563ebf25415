#include <gtest/gtest.h>

#include <stdexcept>

#include "narformer/graph/graph.h"

namespace narformer {
namespace {

Graph chain_with_extras() {
  Graph g("test");
  for (const char* name : {"a", "b", "c", "d"}) {
    Node n;
    n.name = name;
    g.add_node(n);
  }
  g.add_edge(0, 1);
  g.add_edge(1, 2);
  g.add_edge(0, 1);  // duplicate: kept once
  g.add_edge(2, 1);  // the reverse of an edge: one undirected neighbour, not two
  g.add_edge(3, 3);  // a self-loop: no neighbour
  return g;
}

TEST(Graph, EdgesAreKeptOnceInInsertionOrder) {
  const Graph g = chain_with_extras();
  EXPECT_EQ(g.num_nodes(), 4);
  EXPECT_EQ(g.edges(), (std::vector<std::pair<int, int>>{{0, 1}, {1, 2}, {2, 1}, {3, 3}}));
  EXPECT_TRUE(g.has_edge(0, 1));
  EXPECT_FALSE(g.has_edge(1, 0));
  EXPECT_EQ(g.node(2).name, "c");
  EXPECT_EQ(g.source(), "test");
}

TEST(Graph, UndirectedDegreesCountEachNeighbourOnce) {
  // a-b, b-c (both directions), d alone with its self-loop.
  EXPECT_EQ(chain_with_extras().undirected_degrees(), (std::vector<int>{1, 2, 1, 0}));
}

TEST(Graph, EdgesToMissingNodesAreRejected) {
  Graph g = chain_with_extras();
  EXPECT_THROW(g.add_edge(0, 4), std::out_of_range);
  EXPECT_THROW(g.add_edge(-1, 0), std::out_of_range);
  EXPECT_EQ(g.edges().size(), 4u);
}

}  // namespace
}  // namespace narformer
