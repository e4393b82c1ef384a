/* SPDX-License-Identifier: Apache-2.0 */
/* check_related.c: the find option "related": $some, $every and $none over
 * each kind of relation, nested ($related and dotted paths), combined with
 * the filter, in docrel_find_all, cursors and docrel_count; the queries
 * each costs (docrel_store_stats), a large key set, and bad input. */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

typedef struct {
   docrel_store_t *store;
   docrel_model_t *user, *publication, *article, *tag, *link;
} world_t;

/* Users 1 Ann, 2 Bob. Publications 10 Nature (Ann), 11 Science (Bob),
 * 12 Empty (Ann, no article), 13 Orphan (no owner, no article). Articles
 * 100 (Nature, score 5, tags c), 101 (Nature, 9, c go), 102 (Science, 9,
 * go), 103 (Science, 8, none), 104 (no publication, 1, none). Tags 1000 c,
 * 1001 go. */
static void
world_open (world_t *w)
{
   static const char *const users[] = {"{\"_id\": 1, \"name\": \"Ann\"}", "{\"_id\": 2, \"name\": \"Bob\"}", NULL};
   static const char *const pubs[] = {"{\"_id\": 10, \"name\": \"Nature\", \"ownerId\": 1}",
                                      "{\"_id\": 11, \"name\": \"Science\", \"ownerId\": 2}",
                                      "{\"_id\": 12, \"name\": \"Empty\", \"ownerId\": 1}",
                                      "{\"_id\": 13, \"name\": \"Orphan\"}", NULL};
   static const char *const articles[] = {"{\"_id\": 100, \"publicationId\": 10, \"score\": 5}",
                                          "{\"_id\": 101, \"publicationId\": 10, \"score\": 9}",
                                          "{\"_id\": 102, \"publicationId\": 11, \"score\": 9}",
                                          "{\"_id\": 103, \"publicationId\": 11, \"score\": 8}",
                                          "{\"_id\": 104, \"score\": 1}",
                                          NULL};
   static const char *const tags[] = {"{\"_id\": 1000, \"name\": \"c\"}", "{\"_id\": 1001, \"name\": \"go\"}", NULL};
   static const char *const links[] = {"{\"Article__id\": 100, \"Tag__id\": 1000}",
                                       "{\"Article__id\": 101, \"Tag__id\": 1000}",
                                       "{\"Article__id\": 101, \"Tag__id\": 1001}",
                                       "{\"Article__id\": 102, \"Tag__id\": 1001}", NULL};

   w->store = fixture_store_open ();
   w->user = fixture_keyed_model (w->store, "User");
   w->publication = fixture_keyed_model (w->store, "Publication");
   w->article = fixture_keyed_model (w->store, "Article");
   w->tag = fixture_keyed_model (w->store, "Tag");
   fixture_declare (docrel_model_has_many, w->user, w->publication, "publications", "_id", "ownerId", NULL);
   fixture_declare (docrel_model_belongs_to, w->publication, w->user, "owner", "ownerId", "_id", NULL);
   fixture_declare (docrel_model_has_many, w->publication, w->article, "articles", "_id", "publicationId", NULL);
   fixture_declare (docrel_model_belongs_to, w->article, w->publication, "publication", "publicationId", "_id", NULL);
   fixture_declare (docrel_model_has_and_belongs_to_many, w->article, w->tag, "tags", "_id", "_id", NULL);
   fixture_declare (docrel_model_has_and_belongs_to_many, w->tag, w->article, "articles", "_id", "_id", NULL);
   w->link = fixture_link_model (w->store, "Article_Tag");
   fixture_seed (w->store, w->user, users);
   fixture_seed (w->store, w->publication, pubs);
   fixture_seed (w->store, w->article, articles);
   fixture_seed (w->store, w->tag, tags);
   fixture_seed (w->store, w->link, links);
}

/* The ids of model's documents matching filter_json (NULL: all) with
 * related_json, in _id order, as "10 11"; *finds and *counts (may be NULL)
 * the queries sent. Checks that docrel_count and a cursor agree. */
static void
ids_of (docrel_store_t *store,
        docrel_model_t *model,
        const char *filter_json,
        const char *related_json,
        char *out,
        size_t size,
        uint64_t *finds)
{
   bson_error_t error;
   docrel_session_t *session = docrel_session_new (store);
   bson_t *filter = filter_json ? fixture_json (filter_json) : NULL;
   char *opts_json = bson_strdup_printf ("{\"sort\": {\"_id\": 1}, \"related\": %s}", related_json);
   char *count_json = bson_strdup_printf ("{\"related\": %s}", related_json);
   bson_t *opts = fixture_json (opts_json);
   bson_t *count_opts = fixture_json (count_json);
   docrel_store_stats_t stats;
   docrel_cursor_t *cursor;
   docrel_doc_t **docs, *doc;
   size_t n, i, len = 0, seen = 0;
   int64_t count;

   docrel_store_stats_reset (store);
   ASSERT_OK (docrel_find_all (session, model, filter, opts, &docs, &n, &error), error);
   docrel_store_stats (store, &stats);
   if (finds) {
      *finds = stats.finds;
   }
   out[0] = '\0';
   for (i = 0; i < n; i++) {
      len += (size_t) snprintf (out + len, size - len, "%s%d", i ? " " : "", fixture_id_of (docs[i]));
   }
   bson_free (docs);
   /* docrel_count: the same key queries, then one count */
   docrel_store_stats_reset (store);
   ASSERT_OK (docrel_count (session, model, filter, count_opts, &count, &error), error);
   docrel_store_stats (store, &stats);
   ck_assert_int_eq (count, (int64_t) n);
   ck_assert_uint_eq (stats.counts, 1);
   if (finds) {
      ck_assert_uint_eq (stats.finds + 1, *finds);
   }
   /* a cursor: the same documents */
   cursor = docrel_find (session, model, filter, opts, &error);
   ASSERT_OK (cursor != NULL, error);
   while (docrel_cursor_next (cursor, &doc)) {
      seen++;
   }
   ck_assert (!docrel_cursor_error (cursor, &error));
   ck_assert_uint_eq (seen, n);
   docrel_cursor_destroy (cursor);
   bson_free (opts_json);
   bson_free (count_json);
   bson_destroy (opts);
   bson_destroy (count_opts);
   if (filter) {
      bson_destroy (filter);
   }
   docrel_session_destroy (session);
}

/* Asserts the ids and the finds (key queries plus the main one). */
#define ASSERT_IDS(store, model, filter, related, expected, expected_finds)       \
   do {                                                                           \
      char got_[256];                                                             \
      uint64_t finds_;                                                            \
      ids_of ((store), (model), (filter), (related), got_, sizeof got_, &finds_); \
      ck_assert_str_eq (got_, (expected));                                        \
      ck_assert_uint_eq (finds_, (expected_finds));                               \
   } while (0)

START_TEST (some_keeps_the_parents_with_a_match_bare_or_named)
{
   world_t w;

   world_open (&w);
   /* a bare filter means $some, as before */
   ASSERT_IDS (w.store, w.publication, NULL, "{\"articles\": {\"score\": 9}}", "10 11", 2);
   ASSERT_IDS (w.store, w.publication, NULL, "{\"articles\": {\"$some\": {\"score\": 9}}}", "10 11", 2);
   /* an empty filter: at least one related document */
   ASSERT_IDS (w.store, w.publication, NULL, "{\"articles\": {\"$some\": {}}}", "10 11", 2);
   ASSERT_IDS (w.store, w.article, NULL, "{\"publication\": {\"$some\": {\"name\": \"Science\"}}}", "102 103", 2);
   /* nothing matches: no parent */
   ASSERT_IDS (w.store, w.publication, NULL, "{\"articles\": {\"$some\": {\"score\": 99}}}", "", 2);
   fixture_store_close (w.store);
}
END_TEST

START_TEST (every_is_true_over_an_empty_relation)
{
   world_t w;

   world_open (&w);
   /* Nature has a 5; Empty and Orphan have no article */
   ASSERT_IDS (w.store, w.publication, NULL, "{\"articles\": {\"$every\": {\"score\": {\"$gte\": 8}}}}", "11 12 13", 2);
   ASSERT_IDS (w.store, w.publication, NULL, "{\"articles\": {\"$every\": {\"score\": 99}}}", "12 13", 2);
   /* every over an empty filter: every parent, the key query finds nothing */
   ASSERT_IDS (w.store, w.publication, NULL, "{\"articles\": {\"$every\": {}}}", "10 11 12 13", 2);
   /* to one: the publication matches, or there is none (104) */
   ASSERT_IDS (w.store, w.article, NULL, "{\"publication\": {\"$every\": {\"name\": \"Nature\"}}}", "100 101 104", 2);
   fixture_store_close (w.store);
}
END_TEST

START_TEST (none_is_true_over_an_empty_relation)
{
   world_t w;

   world_open (&w);
   ASSERT_IDS (w.store, w.publication, NULL, "{\"articles\": {\"$none\": {\"score\": 9}}}", "12 13", 2);
   ASSERT_IDS (w.store, w.publication, NULL, "{\"articles\": {\"$none\": {}}}", "12 13", 2);
   ASSERT_IDS (w.store, w.publication, NULL, "{\"articles\": {\"$none\": {\"score\": 99}}}", "10 11 12 13", 2);
   /* a missing key references nothing: 104 has no publication */
   ASSERT_IDS (w.store, w.article, NULL, "{\"publication\": {\"$none\": {\"name\": \"Nature\"}}}", "102 103 104", 2);
   /* Orphan has no owner */
   ASSERT_IDS (w.store, w.publication, NULL, "{\"owner\": {\"$none\": {}}}", "13", 2);
   fixture_store_close (w.store);
}
END_TEST

START_TEST (predicates_through_a_link_cost_two_queries)
{
   world_t w;

   world_open (&w);
   /* the tags, then the links holding their keys, then the articles */
   ASSERT_IDS (w.store, w.article, NULL, "{\"tags\": {\"$some\": {\"name\": \"go\"}}}", "101 102", 3);
   ASSERT_IDS (w.store, w.article, NULL, "{\"tags\": {\"$every\": {\"name\": \"c\"}}}", "100 103 104", 3);
   ASSERT_IDS (w.store, w.article, NULL, "{\"tags\": {\"$none\": {\"name\": \"c\"}}}", "102 103 104", 3);
   /* and from the other side */
   ASSERT_IDS (w.store, w.tag, NULL, "{\"articles\": {\"$every\": {\"score\": 9}}}", "1001", 3);
   ASSERT_IDS (w.store, w.tag, NULL, "{\"articles\": {\"$none\": {\"score\": 5}}}", "1001", 3);
   fixture_store_close (w.store);
}
END_TEST

START_TEST (predicates_nest_through_relations)
{
   world_t w;

   world_open (&w);
   /* the articles whose publication's owner is Ann: users, publications,
    * articles */
   ASSERT_IDS (w.store, w.article, NULL,
               "{\"publication\": {\"$some\": {\"$related\": {\"owner\": {\"$some\": {\"name\": \"Ann\"}}}}}}",
               "100 101", 3);
   /* a bare filter takes $related too; the dotted form says the same */
   ASSERT_IDS (w.store, w.article, NULL, "{\"publication\": {\"$related\": {\"owner\": {\"name\": \"Ann\"}}}}",
               "100 101", 3);
   ASSERT_IDS (w.store, w.article, NULL, "{\"publication.owner\": {\"name\": \"Ann\"}}", "100 101", 3);
   ASSERT_IDS (w.store, w.article, NULL, "{\"publication.owner\": {\"$none\": {\"name\": \"Ann\"}}}", "102 103", 3);
   /* the users all of whose publications have no article under 8: Ann's
    * Nature has a 5 */
   ASSERT_IDS (w.store, w.user, NULL,
               "{\"publications\": {\"$every\": {\"$related\": {\"articles\": {\"$none\": {\"score\": {\"$lt\": "
               "8}}}}}}}",
               "2", 3);
   /* three levels, through a link at the bottom: the users with a
    * publication with an article tagged go */
   ASSERT_IDS (w.store, w.user, NULL, "{\"publications.articles.tags\": {\"name\": \"go\"}}", "1 2", 5);
   /* $related beside a filter on the same documents */
   ASSERT_IDS (w.store, w.article, NULL,
               "{\"publication\": {\"name\": {\"$ne\": \"Nature\"}, \"$related\": {\"owner\": {\"name\": \"Ann\"}}}}",
               "", 3);
   fixture_store_close (w.store);
}
END_TEST

START_TEST (predicates_combine_with_the_filter_and_each_other)
{
   world_t w;

   world_open (&w);
   /* the filter and the predicate both hold */
   ASSERT_IDS (w.store, w.article, "{\"score\": 9}", "{\"publication\": {\"$every\": {\"name\": \"Nature\"}}}", "101",
               2);
   ASSERT_IDS (w.store, w.publication, "{\"ownerId\": 1}", "{\"articles\": {\"$none\": {}}}", "12", 2);
   /* several fields: all of them */
   ASSERT_IDS (w.store, w.article, NULL,
               "{\"publication\": {\"name\": \"Science\"}, \"tags\": {\"$none\": {\"name\": \"c\"}}}", "102 103", 4);
   /* several predicates on one relation: all of them */
   ASSERT_IDS (w.store, w.publication, NULL,
               "{\"articles\": {\"$some\": {\"score\": 9}, \"$none\": {\"score\": {\"$lt\": 8}}}}", "11", 3);
   /* every and none whose key sets are empty add no condition at all */
   ASSERT_IDS (w.store, w.publication, NULL, "{\"articles\": {\"$every\": {}, \"$none\": {\"score\": 0}}}",
               "10 11 12 13", 3);
   fixture_store_close (w.store);
}
END_TEST

START_TEST (composite_keys_negate_their_tuples)
{
   static const char *const people[] = {"{\"_id\": 1, \"name\": \"Ann\", \"born\": 1990}",
                                        "{\"_id\": 2, \"name\": \"Ann\", \"born\": 1991}",
                                        "{\"_id\": 3, \"name\": \"Bob\", \"born\": 1990}", NULL};
   /* 13's author (Bob, 1991) does not exist */
   static const char *const posts[] = {"{\"_id\": 10, \"authorName\": \"Ann\", \"authorBorn\": 1990, \"draft\": true}",
                                       "{\"_id\": 11, \"authorName\": \"Ann\", \"authorBorn\": 1990, \"draft\": false}",
                                       "{\"_id\": 12, \"authorName\": \"Ann\", \"authorBorn\": 1991, \"draft\": false}",
                                       "{\"_id\": 13, \"authorName\": \"Bob\", \"authorBorn\": 1991, \"draft\": true}",
                                       NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *person = fixture_keyed_model (store, "Person");
   docrel_model_t *post = fixture_keyed_model (store, "Post");

   fixture_declare (docrel_model_has_many, person, post, "posts", NULL, NULL,
                    "{\"leftKeys\": [\"name\", \"born\"], \"rightKeys\": [\"authorName\", \"authorBorn\"]}");
   fixture_declare (docrel_model_belongs_to, post, person, "author", NULL, NULL,
                    "{\"leftKeys\": [\"authorName\", \"authorBorn\"], \"rightKeys\": [\"name\", \"born\"]}");
   fixture_seed (store, person, people);
   fixture_seed (store, post, posts);
   ASSERT_IDS (store, person, NULL, "{\"posts\": {\"$some\": {\"draft\": true}}}", "1", 2);
   ASSERT_IDS (store, person, NULL, "{\"posts\": {\"$every\": {\"draft\": false}}}", "2 3", 2);
   ASSERT_IDS (store, person, NULL, "{\"posts\": {\"$none\": {\"draft\": false}}}", "3", 2);
   ASSERT_IDS (store, post, NULL, "{\"author\": {\"$every\": {\"born\": 1990}}}", "10 11 13", 2);
   ASSERT_IDS (store, post, NULL, "{\"author\": {\"$none\": {}}}", "13", 2);
   fixture_store_close (store);
}
END_TEST

START_TEST (has_one_is_a_relation_of_at_most_one)
{
   static const char *const countries[] = {"{\"_id\": 1}", "{\"_id\": 2}", "{\"_id\": 3}", NULL};
   static const char *const capitals[] = {"{\"_id\": 10, \"countryId\": 1, \"big\": true}",
                                          "{\"_id\": 20, \"countryId\": 2, \"big\": false}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *country = fixture_keyed_model (store, "Country");
   docrel_model_t *capital = fixture_keyed_model (store, "Capital");

   fixture_declare (docrel_model_has_one, country, capital, "capital", "_id", "countryId", NULL);
   fixture_seed (store, country, countries);
   fixture_seed (store, capital, capitals);
   ASSERT_IDS (store, country, NULL, "{\"capital\": {}}", "1 2", 2);
   ASSERT_IDS (store, country, NULL, "{\"capital\": {\"$every\": {\"big\": true}}}", "1 3", 2);
   ASSERT_IDS (store, country, NULL, "{\"capital\": {\"$none\": {\"big\": true}}}", "2 3", 2);
   fixture_store_close (store);
}
END_TEST

START_TEST (a_symmetric_link_counts_both_ways)
{
   static const char *const humans[] = {"{\"_id\": 1, \"age\": 30}", "{\"_id\": 2, \"age\": 20}",
                                        "{\"_id\": 3, \"age\": 40}", "{\"_id\": 4, \"age\": 50}",
                                        "{\"_id\": 5, \"age\": 60}", NULL};
   /* friends: 1 {2, 3}, 2 {1, 4}, 3 {1}, 4 {2}, 5 none; each link stored once */
   static const char *const links[] = {"{\"Human__id\": 1, \"Human__id_2\": 2}",
                                       "{\"Human__id\": 3, \"Human__id_2\": 1}",
                                       "{\"Human__id\": 2, \"Human__id_2\": 4}", NULL};
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *human = fixture_keyed_model (store, "Human");

   fixture_declare (docrel_model_has_and_belongs_to_many, human, human, "friends", "_id", "_id",
                    "{\"symmetric\": true}");
   fixture_seed (store, human, humans);
   fixture_seed (store, docrel_store_model (store, "Human_Human"), links);
   /* the humans, the links by either field, then the main query */
   ASSERT_IDS (store, human, NULL, "{\"friends\": {\"$every\": {\"age\": {\"$gte\": 30}}}}", "2 3 5", 4);
   ASSERT_IDS (store, human, NULL, "{\"friends\": {\"$none\": {\"age\": {\"$lt\": 25}}}}", "2 3 5", 4);
   ASSERT_IDS (store, human, NULL, "{\"friends\": {\"$some\": {\"age\": 50}}}", "2", 4);
   fixture_store_close (store);
}
END_TEST

/* Asserts that related_json on model fails with code, mentioning text. */
static void
assert_refused (world_t *w, docrel_model_t *model, const char *related_json, uint32_t code, const char *text)
{
   bson_error_t error;
   docrel_session_t *session = docrel_session_new (w->store);
   char *json = bson_strdup_printf ("{\"related\": %s}", related_json);
   bson_t *opts = fixture_json (json);
   docrel_doc_t **docs = NULL;
   size_t n = 7;
   int64_t count;

   ck_assert_msg (!docrel_find_all (session, model, NULL, opts, &docs, &n, &error), "%s was accepted", related_json);
   ck_assert_ptr_null (docs);
   ck_assert_uint_eq (n, 0);
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_QUERY);
   ck_assert_uint_eq (error.code, code);
   ASSERT_MENTIONS (error, text);
   ck_assert (!docrel_count (session, model, NULL, opts, &count, &error));
   ASSERT_MENTIONS (error, text);
   ck_assert_ptr_null (docrel_find (session, model, NULL, opts, &error));
   ASSERT_MENTIONS (error, text);
   bson_free (json);
   bson_destroy (opts);
   docrel_session_destroy (session);
}

START_TEST (bad_input_names_the_field_and_what_was_expected)
{
   world_t w;

   world_open (&w);
   assert_refused (&w, w.article, "{\"publisher\": {}}", DOCREL_ERROR_UNKNOWN_FIELD,
                   "option 'related' at 'publisher': model 'Article' has no relation 'publisher'");
   assert_refused (&w, w.article, "{\"publication\": 3}", DOCREL_ERROR_BAD_OPTION,
                   "at 'publication': expected a filter document or one of $some, $every, $none");
   assert_refused (&w, w.article, "{\"publication\": {\"$every\": true}}", DOCREL_ERROR_BAD_OPTION,
                   "at 'publication.$every': expected a filter document");
   assert_refused (&w, w.article, "{\"publication\": {\"$some\": {}, \"name\": \"X\"}}", DOCREL_ERROR_BAD_OPTION,
                   "at 'publication': 'name' beside $some, $every or $none");
   assert_refused (&w, w.article, "{\"publication\": {\"$any\": {}, \"$none\": {}}}", DOCREL_ERROR_BAD_OPTION,
                   "'$any' beside $some, $every or $none");
   assert_refused (&w, w.article, "{\"publication\": {\"$some\": {\"$related\": {\"ownr\": {}}}}}",
                   DOCREL_ERROR_UNKNOWN_FIELD,
                   "at 'publication.$some.$related.ownr': model 'Publication' has no relation 'ownr'");
   assert_refused (&w, w.article, "{\"publication\": {\"$related\": [1]}}", DOCREL_ERROR_BAD_OPTION,
                   "at 'publication.$related': expected a document of relations of model 'Publication'");
   assert_refused (&w, w.article, "{\"publication.ownr\": {}}", DOCREL_ERROR_UNKNOWN_FIELD,
                   "at 'publication.ownr': model 'Publication' has no relation 'ownr'");
   assert_refused (&w, w.article, "{\"pub.owner\": {}}", DOCREL_ERROR_UNKNOWN_FIELD,
                   "at 'pub.owner': model 'Article' has no relation 'pub'");
   /* a bad filter on the related documents names where it is */
   assert_refused (&w, w.article, "{\"publication\": {\"$none\": {\"name\": {\"$foo\": 1}}}}",
                   DOCREL_ERROR_UNSUPPORTED_OPERATOR, "option 'related' at 'publication.$none': ");
   fixture_store_close (w.store);
}
END_TEST

/* "owner.publications.owner..." from Publication, n relations long. */
static void
path_of (char *out, size_t size, int n)
{
   size_t len = 0;

   for (int i = 0; i < n; i++) {
      len += (size_t) snprintf (out + len, size - len, "%s%s", i ? "." : "", i % 2 ? "publications" : "owner");
   }
}

START_TEST (nesting_is_capped)
{
   world_t w;
   char path[512], json[600];

   world_open (&w);
   /* each level costs a query: 16 are fine, one query each, then the main */
   path_of (path, sizeof path, 16);
   snprintf (json, sizeof json, "{\"%s\": {}}", path);
   ASSERT_IDS (w.store, w.publication, NULL, json, "10 11 12", 17);
   path_of (path, sizeof path, 17);
   snprintf (json, sizeof json, "{\"%s\": {}}", path);
   assert_refused (&w, w.publication, json, DOCREL_ERROR_BAD_OPTION, "nested more than 16 relations deep");
   fixture_store_close (w.store);
}
END_TEST

/* 12,000 articles, the even ones tagged hot (1), the odd ones cold (2). */
#define N_MANY 12000

START_TEST (a_large_key_set_goes_in_chunks_and_in_the_query)
{
   world_t w;
   bson_error_t error;
   docrel_session_t *session;
   docrel_doc_t **docs = bson_malloc (2 * N_MANY * sizeof *docs);
   docrel_store_stats_t stats;
   bson_t *opts;
   int64_t count;
   size_t i;

   world_open (&w);
   session = docrel_session_new (w.store);
   for (i = 0; i < N_MANY; i++) {
      char json[96];
      snprintf (json, sizeof json, "{\"_id\": %d, \"score\": %d}", (int) (20000 + i), (int) (i % 2));
      docs[i] = docrel_doc_new_from_json (session, w.article, json, &error);
      ASSERT_OK (docs[i] != NULL, error);
      snprintf (json, sizeof json, "{\"Article__id\": %d, \"Tag__id\": %d}", (int) (20000 + i), (int) (1 + i % 2));
      docs[N_MANY + i] = docrel_doc_new_from_json (session, w.link, json, &error);
      ASSERT_OK (docs[N_MANY + i] != NULL, error);
   }
   fixture_seed (w.store, w.tag,
                 (const char *const[]){"{\"_id\": 1, \"name\": \"hot\"}", "{\"_id\": 2, \"name\": \"cold\"}", NULL});
   ASSERT_OK (docrel_save_all_many (docs, 2 * N_MANY, NULL, NULL, NULL, &error), error);
   bson_free (docs);
   docrel_session_destroy (session);
   session = docrel_session_new (w.store);

   /* every article has a tag: a $in of 12,004 keys (the 4 tagged above too) */
   opts = fixture_json ("{\"related\": {\"tags\": {\"$some\": {}}}}");
   docrel_store_stats_reset (w.store);
   ASSERT_OK (docrel_count (session, w.article, NULL, opts, &count, &error), error);
   docrel_store_stats (w.store, &stats);
   ck_assert_int_eq (count, N_MANY + 3);
   ck_assert_uint_eq (stats.finds, 2); /* tags, links (four tags: one chunk) */
   bson_destroy (opts);
   /* not tagged hot: a negated condition of 6,000 keys */
   opts = fixture_json ("{\"related\": {\"tags\": {\"$none\": {\"name\": \"hot\"}}}}");
   ASSERT_OK (docrel_count (session, w.article, NULL, opts, &count, &error), error);
   ck_assert_int_eq (count, N_MANY / 2 + 5);
   bson_destroy (opts);
   /* the tags with an article scoring at most 1: 12,001 far keys (104
    * too), the links in two chunks of at most 10,000 */
   opts = fixture_json ("{\"related\": {\"articles\": {\"$some\": {\"score\": {\"$lte\": 1}}}}}");
   docrel_store_stats_reset (w.store);
   ASSERT_OK (docrel_count (session, w.tag, NULL, opts, &count, &error), error);
   docrel_store_stats (w.store, &stats);
   ck_assert_int_eq (count, 2); /* hot and cold */
   ck_assert_uint_eq (stats.finds, 3);
   bson_destroy (opts);
   /* the tags none of whose articles score 0: not hot (6,000 far keys) */
   opts = fixture_json ("{\"related\": {\"articles\": {\"$none\": {\"score\": 0}}}}");
   ASSERT_OK (docrel_count (session, w.tag, NULL, opts, &count, &error), error);
   ck_assert_int_eq (count, 3);
   bson_destroy (opts);
   docrel_session_destroy (session);
   fixture_store_close (w.store);
}
END_TEST

START_TEST (arrays_in_related_are_read_by_position_and_nothing_is_printed)
{
   /* found fuzzing: libbson printed a warning when the related option's
    * filter held an array whose keys are not "0", "1", ... */
   world_t w;
   docrel_session_t *session;
   bson_t *opts = fixture_json_misnumbered (
      "{\"sort\": {\"_id\": 1}, "
      "\"related\": {\"tags\": {\"$or\": [{\"name\": \"go\"}, {\"name\": \"x\"}]}}}");
   docrel_doc_t **docs = NULL;
   bson_error_t error;
   size_t n = 0;
   bool ok;

   world_open (&w);
   session = docrel_session_new (w.store);
   fixture_stderr_begin ();
   ok = docrel_find_all (session, w.article, NULL, opts, &docs, &n, &error);
   ck_assert_int_eq (fixture_stderr_end (), 0);
   ASSERT_OK (ok, error);
   ck_assert_uint_eq (n, 2);
   ck_assert_int_eq (fixture_id_of (docs[0]), 101);
   ck_assert_int_eq (fixture_id_of (docs[1]), 102);
   bson_free (docs);
   bson_destroy (opts);
   docrel_session_destroy (session);
   fixture_store_close (w.store);
}
END_TEST

int
main (void)
{
   Suite *suite = suite_create ("related");
   TCase *tc = tcase_create ("predicates");

   tcase_set_timeout (tc, 120);
   tcase_add_test (tc, some_keeps_the_parents_with_a_match_bare_or_named);
   tcase_add_test (tc, arrays_in_related_are_read_by_position_and_nothing_is_printed);
   tcase_add_test (tc, every_is_true_over_an_empty_relation);
   tcase_add_test (tc, none_is_true_over_an_empty_relation);
   tcase_add_test (tc, predicates_through_a_link_cost_two_queries);
   tcase_add_test (tc, predicates_nest_through_relations);
   tcase_add_test (tc, predicates_combine_with_the_filter_and_each_other);
   tcase_add_test (tc, composite_keys_negate_their_tuples);
   tcase_add_test (tc, has_one_is_a_relation_of_at_most_one);
   tcase_add_test (tc, a_symmetric_link_counts_both_ways);
   tcase_add_test (tc, bad_input_names_the_field_and_what_was_expected);
   tcase_add_test (tc, nesting_is_capped);
   tcase_add_test (tc, a_large_key_set_goes_in_chunks_and_in_the_query);
   suite_add_tcase (suite, tc);
   return fixture_run (suite);
}
