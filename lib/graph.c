/* graph.c: placeholder entry points while the graph writer is written. */
#include "docrel/docrel-graph.h"
#include "error-private.h"

#define NOT_YET(error) \
   docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_BACKEND, "%s is not implemented yet", BSON_FUNC)

bool docrel_link (docrel_doc_t *d, const char *f, docrel_doc_t *o, const bson_t *x, bson_error_t *error) { (void) d; (void) f; (void) o; (void) x; return NOT_YET (error); }
bool docrel_link_key (docrel_doc_t *d, const char *f, const bson_value_t *k, const bson_t *x, bson_error_t *error) { (void) d; (void) f; (void) k; (void) x; return NOT_YET (error); }
bool docrel_unlink (docrel_doc_t *d, const char *f, docrel_doc_t *o, const bson_t *x, bson_error_t *error) { (void) d; (void) f; (void) o; (void) x; return NOT_YET (error); }
bool docrel_unlink_key (docrel_doc_t *d, const char *f, const bson_value_t *k, const bson_t *x, bson_error_t *error) { (void) d; (void) f; (void) k; (void) x; return NOT_YET (error); }
bool docrel_unlink_all (docrel_doc_t *d, const char *f, const bson_t *x, bson_error_t *error) { (void) d; (void) f; (void) x; return NOT_YET (error); }
bool docrel_set_links (docrel_doc_t *d, const char *f, const bson_value_t *k, size_t n, const bson_t *x, bson_error_t *error) { (void) d; (void) f; (void) k; (void) n; (void) x; return NOT_YET (error); }
