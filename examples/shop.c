/* SPDX-License-Identifier: Apache-2.0 */
/* shop.c: a shop's relations, saved as one graph and removed by the
 * onDelete rules.
 *
 *   Customer hasOne Cart       onDelete cascade: the cart goes with its customer
 *   Customer hasMany Order     onDelete cascade
 *   Order hasMany Line         onDelete cascade
 *   Line belongsTo Product     Line is the pivot between orders and products;
 *                              it carries the quantity
 *   Product hasMany Line       onDelete restrict: a product that was ordered
 *                              cannot be deleted
 *
 *   shop [--uri URI]    (default: sqlite::memory:; expects an empty store) */
#include <docrel/docrel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
   docrel_model_t *customer, *cart, *order, *line, *product;
} shop_t;

typedef docrel_relation_t *(*relate_fn) (docrel_model_t *,
                                         docrel_model_t *,
                                         const char *,
                                         const char *,
                                         const char *,
                                         const bson_t *,
                                         bson_error_t *);

/* Declares one relation, with an onDelete rule unless on_delete is NULL. */
static bool
relate (relate_fn fn,
        docrel_model_t *a,
        docrel_model_t *b,
        const char *field,
        const char *left,
        const char *right,
        const char *on_delete,
        bson_error_t *error)
{
   bson_t *opts = on_delete ? BCON_NEW ("onDelete", on_delete) : NULL;
   bool ok = fn (a, b, field, left, right, opts, error) != NULL;
   bson_destroy (opts);
   return ok;
}

static bool
define (docrel_store_t *store, shop_t *m, bson_error_t *error)
{
   bson_t *by_sku = BCON_NEW ("primaryKey", "caller"); /* products are keyed by SKU */
   bson_t *quantity = BCON_NEW ("required", BCON_BOOL (true), "min", BCON_INT32 (1));
   bool ok = (m->customer = docrel_model_new (store, "Customer", NULL, error)) &&
             (m->cart = docrel_model_new (store, "Cart", NULL, error)) &&
             (m->order = docrel_model_new (store, "Order", NULL, error)) &&
             (m->line = docrel_model_new (store, "Line", NULL, error)) &&
             (m->product = docrel_model_new (store, "Product", by_sku, error)) &&
             docrel_model_add_field (m->line, "quantity", DOCREL_TYPE_INT32, quantity, error) &&
             docrel_model_add_field (m->line, "orderId", DOCREL_TYPE_OBJECT_ID, NULL, error) &&
             docrel_model_add_field (m->line, "productId", DOCREL_TYPE_STRING, NULL, error) &&
             relate (docrel_model_has_one, m->customer, m->cart, "cart", "_id", "customerId", "cascade", error) &&
             relate (docrel_model_has_many, m->customer, m->order, "orders", "_id", "customerId", "cascade", error) &&
             relate (docrel_model_has_many, m->order, m->line, "lines", "_id", "orderId", "cascade", error) &&
             relate (docrel_model_belongs_to, m->line, m->product, "product", "productId", "_id", NULL, error) &&
             relate (docrel_model_has_many, m->product, m->line, "lines", "_id", "productId", "restrict", error);
   bson_destroy (by_sku);
   bson_destroy (quantity);
   return ok;
}

/* Adds a line for quantity × product to order (in memory). */
static bool
add_line (docrel_session_t *s,
          const shop_t *m,
          docrel_doc_t *order,
          docrel_doc_t *product,
          int quantity,
          bson_error_t *error)
{
   docrel_doc_t *line = docrel_doc_new (s, m->line, error);
   return line && docrel_doc_set_int32 (line, "quantity", quantity, error) &&
          docrel_doc_set_related (line, "product", &product, 1, error) &&
          docrel_doc_add_related (order, "lines", line, error);
}

/* Builds Grace, her cart and one order in memory, then writes them with one
 * save_all: products first, then the customer, then what hangs off her. */
static bool
seed (docrel_session_t *s, const shop_t *m, docrel_doc_t **grace, docrel_doc_t *products[3], bson_error_t *error)
{
   docrel_doc_t *cart, *order;

   return (products[0] = docrel_doc_new_from_json (s, m->product, "{\"_id\": \"tea\", \"name\": \"Green tea\"}",
                                                   error)) &&
          (products[1] = docrel_doc_new_from_json (s, m->product, "{\"_id\": \"pot\", \"name\": \"Teapot\"}", error)) &&
          (products[2] = docrel_doc_new_from_json (s, m->product, "{\"_id\": \"mug\", \"name\": \"Mug\"}", error)) &&
          (*grace = docrel_doc_new_from_json (s, m->customer, "{\"name\": \"Grace\"}", error)) &&
          (cart = docrel_doc_new_from_json (s, m->cart, "{\"items\": [\"mug\"]}", error)) &&
          (order = docrel_doc_new_from_json (s, m->order, "{\"number\": 1001}", error)) &&
          docrel_doc_set_related (*grace, "cart", &cart, 1, error) &&
          docrel_doc_add_related (*grace, "orders", order, error) && add_line (s, m, order, products[0], 2, error) &&
          add_line (s, m, order, products[1], 1, error) && docrel_save_all (*grace, NULL, NULL, NULL, error) &&
          docrel_save (products[2], error); /* the mug is in no order */
}

/* Prints every customer with her cart and orders, lines and products. */
static bool
show (docrel_session_t *s, const shop_t *m, bson_error_t *error)
{
   bson_t *opts = BCON_NEW ("join", "{", "cart", BCON_BOOL (true), "orders", "{", "lines", "{", "product",
                            BCON_BOOL (true), "}", "}", "}");
   docrel_doc_t **docs;
   size_t n;
   bool ok = docrel_find_all (s, m->customer, NULL, opts, &docs, &n, error);

   for (size_t i = 0; ok && i < n; i++) {
      char *json = docrel_doc_to_json (docs[i], true);
      printf ("  %s\n", json);
      bson_free (json);
   }
   bson_free (ok ? docs : NULL);
   bson_destroy (opts);
   return ok;
}

static bool
count (docrel_session_t *s, docrel_model_t *model, int64_t *n, bson_error_t *error)
{
   return docrel_count (s, model, NULL, NULL, n, error);
}

static bool
show_counts (docrel_session_t *s, const shop_t *m, bson_error_t *error)
{
   int64_t c[5];
   bool ok = count (s, m->customer, &c[0], error) && count (s, m->cart, &c[1], error) &&
             count (s, m->order, &c[2], error) && count (s, m->line, &c[3], error) &&
             count (s, m->product, &c[4], error);

   if (ok) {
      printf ("  customers %" PRId64 ", carts %" PRId64 ", orders %" PRId64 ", lines %" PRId64 ", products %" PRId64
              "\n",
              c[0], c[1], c[2], c[3], c[4]);
   }
   return ok;
}

/* Purges doc, printing whether the onDelete rules let it go. */
static void
try_purge (docrel_doc_t *doc, const char *what)
{
   bson_error_t error;

   if (docrel_purge (doc, &error)) {
      printf ("purged %s\n", what);
   } else {
      printf ("purging %s refused: %s\n", what, error.message);
   }
}

int
main (int argc, char **argv)
{
   const char *uri = argc == 3 && strcmp (argv[1], "--uri") == 0 ? argv[2] : "sqlite::memory:";
   bson_error_t error;
   docrel_store_t *store;
   docrel_session_t *session = NULL;
   docrel_doc_t *grace, *products[3];
   shop_t m;
   bool ok;

   if (argc != 1 && argc != 3) {
      fprintf (stderr, "usage: shop [--uri URI]\n");
      return EXIT_FAILURE;
   }
   store = docrel_store_open (uri, &error);
   ok = store && define (store, &m, &error) && (session = docrel_session_new (store)) &&
        seed (session, &m, &grace, products, &error);
   if (ok) {
      printf ("customers with their cart and orders:\n");
      ok = show (session, &m, &error) && show_counts (session, &m, &error);
   }
   if (ok) {
      try_purge (products[0], "tea (restrict: it is on an order line)");
      try_purge (products[2], "mug (on no order line)");
      try_purge (grace, "Grace (cascade: her cart, orders and their lines go too)");
      try_purge (products[0], "tea (its lines went with the order)");
      ok = show_counts (session, &m, &error);
   }
   if (!ok) {
      fprintf (stderr, "shop: %s\n", error.message);
   }
   docrel_session_destroy (session);
   docrel_store_destroy (store);
   return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
