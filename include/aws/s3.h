/* s3.h: Amazon S3 over the REST-XML protocol, through the core (aws.h).
 *
 * Addressing: path style (ENDPOINT/bucket/key) when an endpoint URL is
 * configured for s3 (--endpoint-url, AWS_ENDPOINT_URL_S3, ...) or the
 * bucket's name cannot be a host name (dots, capitals); else virtual-hosted
 * (https://bucket.s3.REGION.DNS_SUFFIX/key), as S3 expects.
 *
 * Errors: GEN_EAWS with e's message "Operation s3://bucket/key: CODE:
 * message" and aws_last_fault() filled (NoSuchKey, NoSuchBucket, BadDigest,
 * NotFound for a HEAD, ...); otherwise as aws_request(). Objects and lists
 * are the caller's to free; on failure they are left empty. */
#ifndef LUAFORM_S3_H
#define LUAFORM_S3_H

#include <stddef.h>

struct aws;
struct gen_err;

/* What S3 says of one object version. Strings are owned; NULL when S3
 * did not say. */
struct s3_object {
    char *etag;                  /* with its quotes, as S3 gives it */
    char *version_id;            /* NULL: the bucket is not versioned */
    char *checksum_sha256;       /* base64 */
    char *last_modified;
    char *copy_source_version_id;   /* CopyObject: the version copied */
    long long size;              /* -1 when unknown */
};

void s3_object_free(struct s3_object *o);

/* An object, or one version of it (version_id NULL: the latest). */
struct s3_ref {
    const char *bucket;
    const char *key;
    const char *version_id;
};

struct s3_put {
    const char *bucket;
    const char *key;
    const void *data;
    size_t len;
    const char *content_type;     /* NULL: application/octet-stream */
    const char *checksum_sha256;  /* base64 of the SHA-256 of data, or NULL; sent
                                     with x-amz-sdk-checksum-algorithm: SHA256,
                                     and S3 refuses the object (BadDigest) when
                                     it does not match */
};

/* PutObject. out gets the ETag (a 2xx without one is not taken as done),
 * the version id on a versioned bucket, and the checksum S3 stored. */
int s3_put_object(struct aws *a, const struct s3_put *p, struct s3_object *out,
                  struct gen_err *e);

/* CopyObject from into bucket/key. A 200 whose body is an error is an
 * error (and retried, as S3 asks). out: the new ETag and version id, and
 * the source version copied. */
int s3_copy_object(struct aws *a, const struct s3_ref *from, const char *bucket,
                   const char *key, struct s3_object *out, struct gen_err *e);

/* HeadObject: ETag, version id, size, checksum (asked for). A missing
 * object or bucket is code "NotFound" (a HEAD has no body to say which). */
int s3_head_object(struct aws *a, const struct s3_ref *o, struct s3_object *out,
                   struct gen_err *e);

/* GetObject into the file at path, written atomically (core/files.h): the
 * file is whole or untouched. At most max bytes (0: 64 MiB); a body past
 * it is refused before anything is written. When S3 sends the object's
 * SHA-256 (x-amz-checksum-sha256, asked for), the body must match it. */
int s3_get_object(struct aws *a, const struct s3_ref *o, const char *path, size_t max,
                  struct s3_object *out, struct gen_err *e);

/* One entry of ListObjectVersions: a version, or a delete marker. */
struct s3_version {
    char *key;
    char *version_id;
    char *etag;                  /* NULL for a delete marker */
    char *last_modified;
    long long size;              /* 0 for a delete marker */
    int latest;
    int delete_marker;
};

struct s3_versions {
    struct s3_version *v;        /* in S3's order: by key, newest first */
    size_t n;
};

void s3_versions_free(struct s3_versions *l);

/* Every version and delete marker under prefix (NULL: all), page_size at
 * a time (MaxKeys; 0: S3's 1000), following KeyMarker/VersionIdMarker
 * while IsTruncated. More than S3_LIST_PAGES pages, markers that do not
 * move, or Ctrl-C, is an error: the list would be incomplete. */
#define S3_LIST_PAGES 10000
int s3_list_object_versions(struct aws *a, const char *bucket, const char *prefix,
                            int page_size, struct s3_versions *out, struct gen_err *e);

#endif
