/* SPDX-License-Identifier: Apache-2.0 */
/* check_join_examples.c: the seed examples of relations, each a small data
 * set loaded through a join tree: one-to-one (Country / Capital, Customer /
 * Cart, User / Account), one-to-many (Publication / Article, Team / Member,
 * Author / Post), many-to-many (Post / Tag, through links or an explicit
 * PostTag model), a self relation, two relations between the same models,
 * composite keys, and a pivot carrying a quantity (Order / OrderLine /
 * Product); then the round trips of a tree over a thousand authors, which
 * are bounded by the tree, never by the number of documents. Each asserts what a user sees: the documents in each slot,
 * identity, the rendered shape and the number of queries. Models use
 * caller keys (ints) so rendered documents can be compared exactly. */
#include <stdarg.h>
#include <string.h>

#include "fixture.h"

/* Every document of model in _id order, joined along tree_json; checks that
 * it took expected_finds queries. The caller frees the array. */
static docrel_doc_t **
find_joined (docrel_session_t *session,
             docrel_model_t *model,
             const char *tree_json,
             size_t expected_n,
             uint64_t expected_finds)
{
   docrel_store_t *store = docrel_session_store (session);
   char opts_json[512];
   bson_t *opts;
   docrel_doc_t **docs = NULL;
   docrel_store_stats_t stats;
   bson_error_t error;
   size_t n = 0;

   snprintf (opts_json, sizeof opts_json, "{\"sort\": {\"_id\": 1}, \"join\": %s}", tree_json);
   opts = fixture_json (opts_json);
   docrel_store_stats_reset (store);
   ck_assert_msg (docrel_find_all (session, model, NULL, opts, &docs, &n, &error), "find %s joined %s: %s",
                  docrel_model_name (model), tree_json, error.message);
   docrel_store_stats (store, &stats);
   ck_assert_uint_eq (n, expected_n);
   ck_assert_msg (stats.finds == expected_finds && stats.commands == expected_finds,
                  "find %s joined %s: %" PRIu64 " finds, %" PRIu64 " commands, expected %" PRIu64,
                  docrel_model_name (model), tree_json, stats.finds, stats.commands, expected_finds);
   bson_destroy (opts);
   return docs;
}

/* The loaded slot field of doc, which must hold n documents. */
static docrel_doc_t *const *
related (const docrel_doc_t *doc, const char *field, size_t n)
{
   docrel_doc_t *const *docs = NULL;
   size_t count = 0;

   ck_assert_msg (docrel_doc_related (doc, field, &docs, &count), "slot %s of %d is not loaded", field,
                  fixture_id_of (doc));
   ck_assert_msg (count == n, "slot %s of %d holds %zu documents, expected %zu", field, fixture_id_of (doc), count, n);
   return docs;
}

/* Fails unless a to-one slot is loaded and holds the document with key id,
 * or, with id 0, is loaded and empty. Returns that document. */
static docrel_doc_t *
related_one (const docrel_doc_t *doc, const char *field, int32_t id)
{
   docrel_doc_t *one = docrel_doc_related_one (doc, field);

   ck_assert_msg (docrel_doc_is_loaded (doc, field), "slot %s of %d is not loaded", field, fixture_id_of (doc));
   if (id == 0) {
      ck_assert_msg (one == NULL, "slot %s of %d holds %d, expected none", field, fixture_id_of (doc),
                     fixture_id_of (one));
   } else {
      ck_assert_msg (one != NULL, "slot %s of %d is empty, expected %d", field, fixture_id_of (doc), id);
      ck_assert_int_eq (fixture_id_of (one), id);
   }
   return one;
}

/* True if the two values are equal: documents whatever their key order,
 * arrays element by element. */
static bool
same_value (const bson_value_t *a, const bson_value_t *b)
{
   if (a->value_type == BSON_TYPE_DOCUMENT && b->value_type == BSON_TYPE_DOCUMENT) {
      bson_iter_t ia, ib;
      bson_t da, db;
      ck_assert (bson_init_static (&da, a->value.v_doc.data, a->value.v_doc.data_len));
      ck_assert (bson_init_static (&db, b->value.v_doc.data, b->value.v_doc.data_len));
      if (bson_count_keys (&da) != bson_count_keys (&db) || !bson_iter_init (&ia, &da)) {
         return false;
      }
      while (bson_iter_next (&ia)) {
         if (!bson_iter_init_find (&ib, &db, bson_iter_key (&ia)) ||
             !same_value (bson_iter_value (&ia), bson_iter_value (&ib))) {
            return false;
         }
      }
      return true;
   }
   if (a->value_type == BSON_TYPE_ARRAY && b->value_type == BSON_TYPE_ARRAY) {
      bson_iter_t ia, ib;
      ck_assert (bson_iter_init_from_data (&ia, a->value.v_doc.data, a->value.v_doc.data_len));
      ck_assert (bson_iter_init_from_data (&ib, b->value.v_doc.data, b->value.v_doc.data_len));
      while (bson_iter_next (&ia)) {
         if (!bson_iter_next (&ib) || !same_value (bson_iter_value (&ia), bson_iter_value (&ib))) {
            return false;
         }
      }
      return !bson_iter_next (&ib);
   }
   {
      bson_t wa = BSON_INITIALIZER, wb = BSON_INITIALIZER;
      bool same;
      bson_append_value (&wa, "v", 1, a);
      bson_append_value (&wb, "v", 1, b);
      same = bson_equal (&wa, &wb);
      bson_destroy (&wa);
      bson_destroy (&wb);
      return same;
   }
}

/* Fails unless doc rendered with its joins equals expected_json. */
static void
assert_rendered (const docrel_doc_t *doc, const char *expected_json)
{
   bson_t *expected = fixture_json (expected_json);
   bson_value_t va, vb;
   bson_error_t error;
   bson_t actual;
   char *json;

   ASSERT_OK (docrel_doc_to_bson (doc, true, &actual, &error), error);
   va.value_type = vb.value_type = BSON_TYPE_DOCUMENT;
   va.value.v_doc.data = (uint8_t *) bson_get_data (&actual);
   va.value.v_doc.data_len = actual.len;
   vb.value.v_doc.data = (uint8_t *) bson_get_data (expected);
   vb.value.v_doc.data_len = expected->len;
   json = bson_as_relaxed_extended_json (&actual, NULL);
   ck_assert_msg (same_value (&va, &vb), "rendered %s, expected %s", json, expected_json);
   bson_free (json);
   bson_destroy (&actual);
   bson_destroy (expected);
}

/* ---- one to one -------------------------------------------------------- */

START_TEST (country_has_one_capital_and_capital_belongs_to_its_country)
{
   static const char *const countries[] = {"{\"_id\": 1, \"name\": \"France\"}", "{\"_id\": 2, \"name\": \"Germany\"}",
                                           "{\"_id\": 3, \"name\": \"Antarctica\"}", NULL};
   static const char *const capitals[] = {"{\"_id\": 10, \"name\": \"Paris\", \"countryId\": 1}",
                                          "{\"_id\": 20, \"name\": \"Berlin\", \"countryId\": 2}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *country = fixture_keyed_model (store, "Country"), *capital = fixture_keyed_model (store, "Capital");
   docrel_session_t *session;
   docrel_doc_t **cs, **caps;

   fixture_declare (docrel_model_has_one, country, capital, "capital", "_id", "countryId", NULL);
   fixture_declare (docrel_model_belongs_to, capital, country, "country", "countryId", "_id", NULL);
   fixture_seed (store, country, countries);
   fixture_seed (store, capital, capitals);

   session = docrel_session_new (store);
   cs = find_joined (session, country, "{\"capital\": true}", 3, 2);
   related_one (cs[0], "capital", 10);
   related_one (cs[1], "capital", 20);
   related_one (cs[2], "capital", 0);
   assert_rendered (cs[0], "{\"_id\": 1, \"name\": \"France\", "
                           "\"capital\": {\"_id\": 10, \"name\": \"Paris\", \"countryId\": 1}}");
   assert_rendered (cs[2], "{\"_id\": 3, \"name\": \"Antarctica\", \"capital\": null}");

   /* Back from the capitals: the countries are the ones already loaded. */
   caps = find_joined (session, capital, "{\"country\": true}", 2, 2);
   ck_assert_ptr_eq (caps[0], docrel_doc_related_one (cs[0], "capital"));
   ck_assert_ptr_eq (related_one (caps[0], "country", 1), cs[0]);
   ck_assert_ptr_eq (related_one (caps[1], "country", 2), cs[1]);
   /* Both ways loaded: the cycle renders once round. */
   assert_rendered (caps[0], "{\"_id\": 10, \"name\": \"Paris\", \"countryId\": 1, \"country\": {\"_id\": 1, "
                             "\"name\": \"France\", "
                             "\"capital\": {\"_id\": 10, \"name\": \"Paris\", \"countryId\": 1}}}");
   bson_free (cs);
   bson_free (caps);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (customer_has_one_cart_and_user_has_one_account)
{
   static const char *const customers[] = {"{\"_id\": 1, \"name\": \"Ann\"}", "{\"_id\": 2, \"name\": \"Bob\"}", NULL};
   static const char *const carts[] = {"{\"_id\": 10, \"customerId\": 1, \"items\": 3}", NULL};
   static const char *const users[] = {"{\"_id\": 1, \"login\": \"ann\"}", "{\"_id\": 2, \"login\": \"bob\"}", NULL};
   static const char *const accounts[] = {"{\"_id\": 20, \"userId\": 2, \"balance\": 5}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *customer = fixture_keyed_model (store, "Customer"), *cart = fixture_keyed_model (store, "Cart");
   docrel_model_t *user = fixture_keyed_model (store, "User"), *account = fixture_keyed_model (store, "Account");
   docrel_session_t *session;
   docrel_doc_t **docs;

   fixture_declare (docrel_model_has_one, customer, cart, "cart", "_id", "customerId", NULL);
   fixture_declare (docrel_model_has_one, user, account, "account", "_id", "userId", NULL);
   fixture_seed (store, customer, customers);
   fixture_seed (store, cart, carts);
   fixture_seed (store, user, users);
   fixture_seed (store, account, accounts);
   session = docrel_session_new (store);
   docs = find_joined (session, customer, "{\"cart\": true}", 2, 2);
   assert_rendered (docs[0],
                    "{\"_id\": 1, \"name\": \"Ann\", \"cart\": {\"_id\": 10, \"customerId\": 1, \"items\": 3}}");
   assert_rendered (docs[1], "{\"_id\": 2, \"name\": \"Bob\", \"cart\": null}");
   bson_free (docs);
   docs = find_joined (session, user, "{\"account\": true}", 2, 2);
   related_one (docs[0], "account", 0);
   related_one (docs[1], "account", 20);
   assert_rendered (docs[1],
                    "{\"_id\": 2, \"login\": \"bob\", \"account\": {\"_id\": 20, \"userId\": 2, \"balance\": 5}}");
   bson_free (docs);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* ---- one to many ------------------------------------------------------- */

START_TEST (publication_has_many_articles_and_article_belongs_to_publication)
{
   static const char *const pubs[] = {"{\"_id\": 1, \"name\": \"Times\"}", "{\"_id\": 2, \"name\": \"Weekly\"}", NULL};
   static const char *const articles[] = {"{\"_id\": 10, \"title\": \"a\", \"publicationId\": 1}",
                                          "{\"_id\": 11, \"title\": \"b\", \"publicationId\": 1}",
                                          "{\"_id\": 12, \"title\": \"c\", \"publicationId\": 99}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *publication = fixture_keyed_model (store, "Publication"),
                  *article = fixture_keyed_model (store, "Article");
   docrel_session_t *session;
   docrel_doc_t **ps, **as;
   docrel_doc_t *const *slot;

   fixture_declare (docrel_model_has_many, publication, article, "articles", "_id", "publicationId", NULL);
   fixture_declare (docrel_model_belongs_to, article, publication, "publication", "publicationId", "_id", NULL);
   fixture_seed (store, publication, pubs);
   fixture_seed (store, article, articles);
   session = docrel_session_new (store);
   ps = find_joined (session, publication, "{\"articles\": true}", 2, 2);
   slot = related (ps[0], "articles", 2);
   ck_assert_int_eq (fixture_id_of (slot[0]), 10);
   ck_assert_int_eq (fixture_id_of (slot[1]), 11);
   related (ps[1], "articles", 0);
   assert_rendered (ps[0], "{\"_id\": 1, \"name\": \"Times\", \"articles\": [{\"_id\": 10, \"title\": \"a\", "
                           "\"publicationId\": 1}, {\"_id\": 11, \"title\": \"b\", \"publicationId\": 1}]}");
   assert_rendered (ps[1], "{\"_id\": 2, \"name\": \"Weekly\", \"articles\": []}");
   as = find_joined (session, article, "{\"publication\": true}", 3, 2);
   ck_assert_ptr_eq (as[0], slot[0]);
   ck_assert_ptr_eq (related_one (as[1], "publication", 1), ps[0]);
   related_one (as[2], "publication", 0); /* 99 is nobody */
   bson_free (ps);
   bson_free (as);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (team_has_many_members_and_author_has_many_posts)
{
   static const char *const teams[] = {"{\"_id\": 1, \"name\": \"Red\"}", "{\"_id\": 2, \"name\": \"Blue\"}", NULL};
   static const char *const members[] = {"{\"_id\": 10, \"teamId\": 2}", "{\"_id\": 11, \"teamId\": 1}",
                                         "{\"_id\": 12, \"teamId\": 2}", "{\"_id\": 13}", NULL};
   static const char *const authors[] = {"{\"_id\": 1, \"name\": \"Ann\"}", NULL};
   static const char *const posts[] = {"{\"_id\": 5, \"authorId\": 1, \"title\": \"x\"}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *team = fixture_keyed_model (store, "Team"), *member = fixture_keyed_model (store, "Member");
   docrel_model_t *author = fixture_keyed_model (store, "Author"), *post = fixture_keyed_model (store, "Post");
   docrel_session_t *session;
   docrel_doc_t **docs, **ms;
   docrel_doc_t *const *blue;

   fixture_declare (docrel_model_has_many, team, member, "members", "_id", "teamId", NULL);
   fixture_declare (docrel_model_belongs_to, member, team, "team", "teamId", "_id", NULL);
   fixture_declare (docrel_model_has_many, author, post, "posts", "_id", "authorId", NULL);
   fixture_seed (store, team, teams);
   fixture_seed (store, member, members);
   fixture_seed (store, author, authors);
   fixture_seed (store, post, posts);
   session = docrel_session_new (store);
   docs = find_joined (session, team, "{\"members\": true}", 2, 2);
   ck_assert_int_eq (fixture_id_of (related (docs[0], "members", 1)[0]), 11);
   blue = related (docs[1], "members", 2);
   ck_assert_int_eq (fixture_id_of (blue[0]), 10);
   ck_assert_int_eq (fixture_id_of (blue[1]), 12);
   ms = find_joined (session, member, "{\"team\": true}", 4, 2);
   ck_assert_ptr_eq (related_one (ms[0], "team", 2), docs[1]);
   ck_assert_ptr_eq (related_one (ms[2], "team", 2), docs[1]);
   related_one (ms[3], "team", 0);
   assert_rendered (ms[3], "{\"_id\": 13, \"team\": null}");
   bson_free (docs);
   bson_free (ms);
   docs = find_joined (session, author, "{\"posts\": true}", 1, 2);
   assert_rendered (docs[0],
                    "{\"_id\": 1, \"name\": \"Ann\", \"posts\": [{\"_id\": 5, \"authorId\": 1, \"title\": \"x\"}]}");
   bson_free (docs);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* ---- many to many ------------------------------------------------------ */

START_TEST (post_has_and_belongs_to_many_tags_and_tag_back_to_posts)
{
   static const char *const posts[] = {"{\"_id\": 1, \"title\": \"A\"}", "{\"_id\": 2, \"title\": \"B\"}",
                                       "{\"_id\": 3, \"title\": \"C\"}", NULL};
   static const char *const tags[] = {"{\"_id\": 1, \"name\": \"c\"}", "{\"_id\": 2, \"name\": \"db\"}",
                                      "{\"_id\": 3, \"name\": \"go\"}", NULL};
   static const char *const links[] = {"{\"Post__id\": 1, \"Tag__id\": 1}", "{\"Post__id\": 1, \"Tag__id\": 2}",
                                       "{\"Post__id\": 2, \"Tag__id\": 2}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *post = fixture_keyed_model (store, "Post"), *tag = fixture_keyed_model (store, "Tag");
   docrel_session_t *session;
   docrel_doc_t **ps, **ts;
   docrel_doc_t *const *p1_tags;
   docrel_doc_t *const *t2_posts;

   fixture_declare (docrel_model_has_and_belongs_to_many, post, tag, "tags", "_id", "_id", NULL);
   fixture_declare (docrel_model_has_and_belongs_to_many, tag, post, "posts", "_id", "_id", NULL);
   fixture_seed (store, post, posts);
   fixture_seed (store, tag, tags);
   fixture_seed (store, docrel_store_model (store, "Post_Tag"), links);
   session = docrel_session_new (store);
   ps = find_joined (session, post, "{\"tags\": true}", 3, 3); /* posts, links, tags */
   p1_tags = related (ps[0], "tags", 2);
   ck_assert_int_eq (fixture_id_of (p1_tags[0]), 1);
   ck_assert_int_eq (fixture_id_of (p1_tags[1]), 2);
   ck_assert_ptr_eq (related (ps[1], "tags", 1)[0], p1_tags[1]); /* one "db" tag */
   related (ps[2], "tags", 0);
   assert_rendered (ps[1], "{\"_id\": 2, \"title\": \"B\", \"tags\": [{\"_id\": 2, \"name\": \"db\"}]}");
   assert_rendered (ps[2], "{\"_id\": 3, \"title\": \"C\", \"tags\": []}");

   ts = find_joined (session, tag, "{\"posts\": true}", 3, 3);
   ck_assert_ptr_eq (ts[1], p1_tags[1]);
   t2_posts = related (ts[1], "posts", 2);
   ck_assert_ptr_eq (t2_posts[0], ps[0]);
   ck_assert_ptr_eq (t2_posts[1], ps[1]);
   related (ts[2], "posts", 0);
   bson_free (ps);
   bson_free (ts);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (an_explicit_post_tag_model_joins_through_two_belongs_to)
{
   static const char *const posts[] = {"{\"_id\": 1, \"title\": \"A\"}", "{\"_id\": 2, \"title\": \"B\"}", NULL};
   static const char *const tags[] = {"{\"_id\": 1, \"name\": \"c\"}", "{\"_id\": 2, \"name\": \"db\"}", NULL};
   static const char *const post_tags[] = {"{\"_id\": 100, \"postId\": 1, \"tagId\": 2, \"by\": \"ann\"}",
                                           "{\"_id\": 101, \"postId\": 1, \"tagId\": 1, \"by\": \"bob\"}",
                                           "{\"_id\": 102, \"postId\": 2, \"tagId\": 2, \"by\": \"ann\"}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *post = fixture_keyed_model (store, "Post"), *tag = fixture_keyed_model (store, "Tag");
   docrel_model_t *post_tag = fixture_keyed_model (store, "PostTag");
   docrel_session_t *session;
   docrel_doc_t **ps, **pts;
   docrel_doc_t *const *slot;

   fixture_declare (docrel_model_belongs_to, post_tag, post, "post", "postId", "_id", NULL);
   fixture_declare (docrel_model_belongs_to, post_tag, tag, "tag", "tagId", "_id", NULL);
   fixture_declare (docrel_model_has_many, post, post_tag, "postTags", "_id", "postId", NULL);
   fixture_seed (store, post, posts);
   fixture_seed (store, tag, tags);
   fixture_seed (store, post_tag, post_tags);
   session = docrel_session_new (store);
   ps = find_joined (session, post, "{\"postTags\": {\"tag\": true}}", 2, 3);
   slot = related (ps[0], "postTags", 2);
   related_one (slot[0], "tag", 2);
   related_one (slot[1], "tag", 1);
   ck_assert_ptr_eq (related_one (related (ps[1], "postTags", 1)[0], "tag", 2),
                     docrel_doc_related_one (slot[0], "tag"));
   ck_assert (!docrel_doc_is_loaded (slot[0], "post")); /* not in the tree */
   assert_rendered (ps[0], "{\"_id\": 1, \"title\": \"A\", \"postTags\": ["
                           "{\"_id\": 100, \"postId\": 1, \"tagId\": 2, \"by\": \"ann\", "
                           "\"tag\": {\"_id\": 2, \"name\": \"db\"}},"
                           "{\"_id\": 101, \"postId\": 1, \"tagId\": 1, \"by\": \"bob\", "
                           "\"tag\": {\"_id\": 1, \"name\": \"c\"}}]}");
   /* From the join model, both ends at once. */
   pts = find_joined (session, post_tag, "{\"post\": true, \"tag\": true}", 3, 3);
   ck_assert_ptr_eq (pts[0], slot[0]);
   ck_assert_ptr_eq (related_one (pts[2], "post", 2), ps[1]);
   bson_free (ps);
   bson_free (pts);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (order_reaches_products_through_order_lines_carrying_a_quantity)
{
   static const char *const orders[] = {"{\"_id\": 100}", "{\"_id\": 101}", NULL};
   static const char *const products[] = {"{\"_id\": 1, \"name\": \"pen\", \"price\": 2}",
                                          "{\"_id\": 2, \"name\": \"ink\", \"price\": 5}", NULL};
   static const char *const lines[] = {"{\"_id\": 1000, \"orderId\": 100, \"productId\": 1, \"quantity\": 3}",
                                       "{\"_id\": 1001, \"orderId\": 100, \"productId\": 2, \"quantity\": 1}",
                                       "{\"_id\": 1002, \"orderId\": 101, \"productId\": 1, \"quantity\": 10}", NULL};
   static const int32_t totals[] = {11, 20};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *order = fixture_keyed_model (store, "Order"), *product = fixture_keyed_model (store, "Product");
   docrel_model_t *line = fixture_keyed_model (store, "OrderLine");
   docrel_session_t *session;
   docrel_doc_t **os;
   size_t i, k;

   fixture_declare (docrel_model_has_many, order, line, "lines", "_id", "orderId", NULL);
   fixture_declare (docrel_model_belongs_to, line, product, "product", "productId", "_id", NULL);
   fixture_seed (store, order, orders);
   fixture_seed (store, product, products);
   fixture_seed (store, line, lines);
   session = docrel_session_new (store);
   os = find_joined (session, order, "{\"lines\": {\"product\": true}}", 2, 3);
   for (i = 0; i < 2; i++) {
      size_t n = 0;
      docrel_doc_t *const *ls = NULL;
      int32_t total = 0;
      ck_assert (docrel_doc_related (os[i], "lines", &ls, &n));
      for (k = 0; k < n; k++) {
         docrel_doc_t *p = docrel_doc_related_one (ls[k], "product");
         int32_t quantity = 0, price = 0;
         ck_assert (docrel_doc_get_int32 (ls[k], "quantity", &quantity));
         ck_assert (p && docrel_doc_get_int32 (p, "price", &price));
         total += quantity * price;
      }
      ck_assert_int_eq (total, totals[i]);
   }
   /* The pen of both orders is one document. */
   ck_assert_ptr_eq (docrel_doc_related_one (related (os[0], "lines", 2)[0], "product"),
                     docrel_doc_related_one (related (os[1], "lines", 1)[0], "product"));
   assert_rendered (os[1], "{\"_id\": 101, \"lines\": [{\"_id\": 1002, \"orderId\": 101, \"productId\": 1, "
                           "\"quantity\": 10, \"product\": {\"_id\": 1, \"name\": \"pen\", \"price\": 2}}]}");
   bson_free (os);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* ---- self relations and several relations ------------------------------ */

START_TEST (human_belongs_to_human_as_emergency_contact)
{
   static const char *const humans[] = {"{\"_id\": 1, \"name\": \"Alice\", \"emergencyContactId\": 2}",
                                        "{\"_id\": 2, \"name\": \"Bob\", \"emergencyContactId\": 1}",
                                        "{\"_id\": 3, \"name\": \"Carol\"}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *human = fixture_keyed_model (store, "Human");
   docrel_session_t *session;
   docrel_doc_t **hs;
   bson_t *tree = fixture_json ("{\"emergencyContact\": {\"emergencyContact\": true}}");
   docrel_doc_t *alice = NULL;
   bson_value_t key;
   bson_error_t error;

   fixture_declare (docrel_model_belongs_to, human, human, "emergencyContact", "emergencyContactId", "_id", NULL);
   fixture_seed (store, human, humans);
   session = docrel_session_new (store);
   hs = find_joined (session, human, "{\"emergencyContact\": true}", 3, 2);
   ck_assert_ptr_eq (related_one (hs[0], "emergencyContact", 2), hs[1]);
   ck_assert_ptr_eq (related_one (hs[1], "emergencyContact", 1), hs[0]);
   related_one (hs[2], "emergencyContact", 0);
   bson_free (hs);
   docrel_session_destroy (session);

   /* Two levels down from Alice come back to Alice herself. */
   session = docrel_session_new (store);
   key.value_type = BSON_TYPE_INT32;
   key.value.v_int32 = 1;
   ASSERT_OK (docrel_get (session, human, &key, tree, &alice, &error), error);
   ck_assert_ptr_eq (related_one (related_one (alice, "emergencyContact", 2), "emergencyContact", 1), alice);
   ck_assert_uint_eq (docrel_session_size (session), 2);
   assert_rendered (alice, "{\"_id\": 1, \"name\": \"Alice\", \"emergencyContactId\": 2, \"emergencyContact\": "
                           "{\"_id\": 2, \"name\": \"Bob\", \"emergencyContactId\": 1, \"emergencyContact\": "
                           "{\"_id\": 1, \"name\": \"Alice\", \"emergencyContactId\": 2}}}");
   bson_destroy (tree);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

START_TEST (post_belongs_to_user_as_author_and_as_editor)
{
   static const char *const users[] = {"{\"_id\": 1, \"name\": \"Ann\"}", "{\"_id\": 2, \"name\": \"Bob\"}", NULL};
   static const char *const posts[] = {"{\"_id\": 10, \"authorId\": 1, \"editorId\": 2}",
                                       "{\"_id\": 11, \"authorId\": 2, \"editorId\": 2}",
                                       "{\"_id\": 12, \"authorId\": 1}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *user = fixture_keyed_model (store, "User"), *post = fixture_keyed_model (store, "Post");
   docrel_session_t *session;
   docrel_doc_t **ps, **us;
   docrel_doc_t *const *edited;

   fixture_declare (docrel_model_belongs_to, post, user, "author", "authorId", "_id", NULL);
   fixture_declare (docrel_model_belongs_to, post, user, "editor", "editorId", "_id", NULL);
   fixture_declare (docrel_model_has_many, user, post, "authored", "_id", "authorId", NULL);
   fixture_declare (docrel_model_has_many, user, post, "edited", "_id", "editorId", NULL);
   fixture_seed (store, user, users);
   fixture_seed (store, post, posts);
   session = docrel_session_new (store);
   ps = find_joined (session, post, "{\"author\": true, \"editor\": true}", 3, 3);
   related_one (ps[0], "author", 1);
   related_one (ps[0], "editor", 2);
   ck_assert_ptr_eq (related_one (ps[1], "author", 2), related_one (ps[1], "editor", 2));
   ck_assert_ptr_eq (related_one (ps[1], "editor", 2), docrel_doc_related_one (ps[0], "editor"));
   related_one (ps[2], "editor", 0);
   assert_rendered (ps[2],
                    "{\"_id\": 12, \"authorId\": 1, \"author\": {\"_id\": 1, \"name\": \"Ann\"}, \"editor\": null}");
   us = find_joined (session, user, "{\"authored\": true, \"edited\": true}", 2, 3);
   ck_assert_int_eq (fixture_id_of (related (us[1], "authored", 1)[0]), 11);
   edited = related (us[1], "edited", 2);
   ck_assert_ptr_eq (edited[0], ps[0]);
   ck_assert_ptr_eq (edited[1], ps[1]);
   related (us[0], "edited", 0);
   bson_free (ps);
   bson_free (us);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* ---- composite keys ---------------------------------------------------- */

START_TEST (person_and_post_join_on_name_and_date_of_birth)
{
   static const char *const people[] = {
      "{\"_id\": 1, \"name\": \"Ann\", \"dob\": {\"$date\": \"1990-01-01T00:00:00Z\"}}",
      "{\"_id\": 2, \"name\": \"Ann\", \"dob\": {\"$date\": \"1985-05-05T00:00:00Z\"}}",
      "{\"_id\": 3, \"name\": \"Bob\", \"dob\": {\"$date\": \"1990-01-01T00:00:00Z\"}}", NULL};
   static const char *const posts[] = {
      "{\"_id\": 10, \"authorName\": \"Ann\", \"authorDob\": {\"$date\": \"1985-05-05T00:00:00Z\"}}",
      "{\"_id\": 11, \"authorName\": \"Ann\", \"authorDob\": {\"$date\": \"1990-01-01T00:00:00Z\"}}",
      "{\"_id\": 12, \"authorName\": \"Ann\", \"authorDob\": {\"$date\": \"1985-05-05T00:00:00Z\"}}",
      "{\"_id\": 13, \"authorName\": \"Bob\", \"authorDob\": {\"$date\": \"1985-05-05T00:00:00Z\"}}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *person = fixture_keyed_model (store, "Person"), *post = fixture_keyed_model (store, "Post");
   docrel_session_t *session;
   docrel_doc_t **people_docs, **ps;
   docrel_doc_t *const *ann85;

   fixture_declare (docrel_model_belongs_to, post, person, "author", NULL, NULL,
                    "{\"leftKeys\": [\"authorName\", \"authorDob\"], \"rightKeys\": [\"name\", \"dob\"]}");
   fixture_declare (docrel_model_has_many, person, post, "posts", NULL, NULL,
                    "{\"leftKeys\": [\"name\", \"dob\"], \"rightKeys\": [\"authorName\", \"authorDob\"]}");
   fixture_seed (store, person, people);
   fixture_seed (store, post, posts);
   session = docrel_session_new (store);
   people_docs = find_joined (session, person, "{\"posts\": {\"author\": true}}", 3, 3);
   ck_assert_int_eq (fixture_id_of (related (people_docs[0], "posts", 1)[0]), 11);
   ann85 = related (people_docs[1], "posts", 2);
   ck_assert_int_eq (fixture_id_of (ann85[0]), 10);
   ck_assert_int_eq (fixture_id_of (ann85[1]), 12);
   ck_assert_ptr_eq (related_one (ann85[1], "author", 2), people_docs[1]);
   related (people_docs[2], "posts", 0);
   ps = find_joined (session, post, "{\"author\": true}", 4, 2);
   ck_assert_ptr_eq (ps[0], ann85[0]);
   related_one (ps[3], "author", 0); /* Bob, but born in 1990 */
   bson_free (people_docs);
   bson_free (ps);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

/* ---- round trips ------------------------------------------------------- */

/* Saves a new document of model from printf-style JSON. */
static void
save_f (docrel_session_t *session, docrel_model_t *model, const char *format, ...)
{
   char json[160];
   bson_error_t error;
   docrel_doc_t *doc;
   va_list ap;

   va_start (ap, format);
   vsnprintf (json, sizeof json, format, ap);
   va_end (ap);
   doc = docrel_doc_new_from_json (session, model, json, &error);
   ck_assert_msg (doc && docrel_save (doc, &error), "save %s: %s", json, error.message);
}

/* Finds authors with opts_json (joined along TREE), which must take 5 finds. */
static docrel_doc_t **
find_authors (docrel_session_t *session, docrel_model_t *author, const char *opts_json, size_t *n)
{
   docrel_store_t *store = docrel_session_store (session);
   bson_t *opts = fixture_json (opts_json);
   docrel_doc_t **docs = NULL;
   docrel_store_stats_t stats;
   bson_error_t error;

   docrel_store_stats_reset (store);
   ASSERT_OK (docrel_find_all (session, author, NULL, opts, &docs, n, &error), error);
   docrel_store_stats (store, &stats);
   /* 1 (authors) + 1 (posts) + 1 (comments) + 2 (links, then tags). */
   ck_assert_msg (stats.finds == 5 && stats.commands == 5, "%s: %" PRIu64 " finds, %" PRIu64 " commands", opts_json,
                  stats.finds, stats.commands);
   bson_destroy (opts);
   return docs;
}

#define TREE "{\"posts\": {\"comments\": true, \"tags\": true}}"

START_TEST (joins_cost_one_query_per_edge_whatever_the_number_of_documents)
{
   /* 1,000 authors, each with 2 posts, each post with 2 comments and 2 of
    * 20 tags: about 11,000 saves, under a second on both SQLite stores. */
   const int32_t n_authors = 1000;
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *author = fixture_keyed_model (store, "Author"), *post = fixture_keyed_model (store, "Post");
   docrel_model_t *comment = fixture_keyed_model (store, "Comment"), *tag = fixture_keyed_model (store, "Tag");
   docrel_model_t *link;
   docrel_session_t *session;
   docrel_doc_t **as;
   docrel_doc_t *tag_docs[21] = {NULL};
   int32_t a, i, j;
   size_t n = 0;

   fixture_declare (docrel_model_has_many, author, post, "posts", "_id", "authorId", NULL);
   fixture_declare (docrel_model_has_many, post, comment, "comments", "_id", "postId", NULL);
   fixture_declare (docrel_model_has_and_belongs_to_many, post, tag, "tags", "_id", "_id", NULL);
   link = docrel_store_model (store, "Post_Tag");
   session = docrel_session_new (store);
   for (i = 1; i <= 20; i++) {
      save_f (session, tag, "{\"_id\": %d, \"name\": \"t%d\"}", i, i);
   }
   for (a = 1; a <= n_authors; a++) {
      save_f (session, author, "{\"_id\": %d}", a);
      for (i = 0; i < 2; i++) {
         int32_t p = a * 2 + i;
         save_f (session, post, "{\"_id\": %d, \"authorId\": %d}", p, a);
         for (j = 0; j < 2; j++) {
            save_f (session, comment, "{\"_id\": %d, \"postId\": %d}", p * 2 + j, p);
            save_f (session, link, "{\"Post__id\": %d, \"Tag__id\": %d}", p, (p + 7 * j) % 20 + 1);
         }
      }
   }
   docrel_session_destroy (session);

   session = docrel_session_new (store);
   as = find_authors (session, author, "{\"sort\": {\"_id\": 1}, \"join\": " TREE "}", &n);
   ck_assert_uint_eq (n, (size_t) n_authors);
   for (a = 0; a < n_authors; a++) {
      docrel_doc_t *const *posts = related (as[a], "posts", 2);
      for (i = 0; i < 2; i++) {
         int32_t p = (a + 1) * 2 + i, t0 = p % 20 + 1, t1 = (p + 7) % 20 + 1;
         docrel_doc_t *const *comments = related (posts[i], "comments", 2);
         docrel_doc_t *const *tags = related (posts[i], "tags", 2);
         ck_assert_int_eq (fixture_id_of (posts[i]), p);
         ck_assert_int_eq (fixture_id_of (comments[0]), p * 2);
         ck_assert_int_eq (fixture_id_of (comments[1]), p * 2 + 1);
         ck_assert_int_eq (fixture_id_of (tags[0]), t0 < t1 ? t0 : t1); /* in the tags' store order */
         ck_assert_int_eq (fixture_id_of (tags[1]), t0 < t1 ? t1 : t0);
         for (j = 0; j < 2; j++) {
            int32_t id = fixture_id_of (tags[j]);
            ck_assert (tag_docs[id] == NULL || tag_docs[id] == tags[j]); /* one document per tag */
            tag_docs[id] = tags[j];
         }
      }
   }
   bson_free (as);
   docrel_session_destroy (session);

   /* The same tree for 10 authors costs the same. */
   session = docrel_session_new (store);
   as = find_authors (session, author, "{\"sort\": {\"_id\": 1}, \"limit\": 10, \"join\": " TREE "}", &n);
   ck_assert_uint_eq (n, 10);
   ck_assert_int_eq (fixture_id_of (related (as[9], "posts", 2)[1]), 21);
   bson_free (as);
   docrel_session_destroy (session);
   fixture_store_close (store);
}
END_TEST

static Suite *
join_examples_suite (void)
{
   Suite *s = suite_create ("join_examples");
   TCase *tc;

   tc = tcase_create ("one_to_one");
   tcase_add_test (tc, country_has_one_capital_and_capital_belongs_to_its_country);
   tcase_add_test (tc, customer_has_one_cart_and_user_has_one_account);
   suite_add_tcase (s, tc);

   tc = tcase_create ("one_to_many");
   tcase_add_test (tc, publication_has_many_articles_and_article_belongs_to_publication);
   tcase_add_test (tc, team_has_many_members_and_author_has_many_posts);
   suite_add_tcase (s, tc);

   tc = tcase_create ("many_to_many");
   tcase_add_test (tc, post_has_and_belongs_to_many_tags_and_tag_back_to_posts);
   tcase_add_test (tc, an_explicit_post_tag_model_joins_through_two_belongs_to);
   tcase_add_test (tc, order_reaches_products_through_order_lines_carrying_a_quantity);
   suite_add_tcase (s, tc);

   tc = tcase_create ("self_and_parallel_relations");
   tcase_add_test (tc, human_belongs_to_human_as_emergency_contact);
   tcase_add_test (tc, post_belongs_to_user_as_author_and_as_editor);
   suite_add_tcase (s, tc);

   tc = tcase_create ("composite_keys");
   tcase_add_test (tc, person_and_post_join_on_name_and_date_of_birth);
   suite_add_tcase (s, tc);

   tc = tcase_create ("round_trips");
   tcase_add_test (tc, joins_cost_one_query_per_edge_whatever_the_number_of_documents);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (join_examples_suite ());
}
