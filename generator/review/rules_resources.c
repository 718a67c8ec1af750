/* rules_resources.c: the template's own resources: S3 buckets (versioning,
 * public access blocks, encryption, TLS-only policy: LF-S3-001..004) and
 * data-bearing resources kept on delete and replace (LF-RETAIN-001, 002). */
#include "review/rules.h"

#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "template/path.h"

/* Resources that hold data; snapshot: DeletionPolicy/UpdateReplacePolicy
 * Snapshot is valid for the type. */
static const struct { const char *type; int snapshot; } DATA[] = {
    {"AWS::S3::Bucket", 0}, {"AWS::DynamoDB::Table", 0}, {"AWS::DynamoDB::GlobalTable", 0},
    {"AWS::RDS::DBInstance", 1}, {"AWS::RDS::DBCluster", 1}, {"AWS::EFS::FileSystem", 0},
    {"AWS::KMS::Key", 0}, {"AWS::Logs::LogGroup", 0}, {"AWS::SecretsManager::Secret", 0},
    {"AWS::ECR::Repository", 0}, {"AWS::EC2::Volume", 1}, {"AWS::ElastiCache::CacheCluster", 1},
    {"AWS::ElastiCache::ReplicationGroup", 1}, {"AWS::Neptune::DBCluster", 1},
    {"AWS::DocDB::DBCluster", 1}, {"AWS::Redshift::Cluster", 1}, {"AWS::Kinesis::Stream", 0},
    {"AWS::Cognito::UserPool", 0}, {"AWS::Backup::BackupVault", 0},
    {"AWS::OpenSearchService::Domain", 0}, {"AWS::Elasticsearch::Domain", 0},
    {"AWS::FSx::FileSystem", 0}, {"AWS::Timestream::Table", 0}, {"AWS::QLDB::Ledger", 0},
};

static const char *const PAB[] = {
    "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets", NULL,
};

/* "Resources.ID[.a[.b]]" into b (reset first). */
static const char *res_path(struct buf *b, const char *id, const char *a, const char *k)
{
    buf_reset(b);
    path_key(b, "Resources");
    path_key(b, id);
    if (a)
        path_key(b, a);
    if (k)
        path_key(b, k);
    return buf_cstr(b);
}

static int truthy(const json_t *v)
{
    return json_is_true(v) || (json_is_string(v) && strcasecmp(json_string_value(v), "true") == 0);
}

/* Is v a string other than want (an intrinsic cannot be told, so passes)? */
static int plain_not(const json_t *v, const char *want)
{
    return !v || (json_is_string(v) && strcmp(json_string_value(v), want) != 0);
}

/* Does stmt deny s3 requests made without TLS? */
static int denies_plain_http(const json_t *stmt)
{
    const char *op = NULL;
    const json_t *v = rules_cond(stmt, "aws:SecureTransport", &op), *x;
    size_t i;

    if (rules_allow(stmt) || !v || strcasecmp(op, "Bool") != 0 ||
        !rules_stmt_has_action(stmt, "s3:GetObject"))
        return 0;
    json_array_foreach(v, i, x)
        if (json_is_string(x) && strcasecmp(json_string_value(x), "false") == 0)
            return 1;
    return 0;
}

/* Does a bucket policy of the model govern bucket id (its "on", or its
 * Bucket property: Ref id or the bucket's literal name)? */
static int governs(const struct rule_ctx *c, const json_t *rp, const char *id, const json_t *res)
{
    const json_t *v, *bucket;
    size_t i;

    json_array_foreach(json_object_get(rp, "on"), i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
            return 1;
    bucket = rules_prop(rules_resource(c->tpl, rules_id(rp)), "Bucket");
    if (json_is_string(bucket))
        return json_equal(bucket, rules_prop(res, "BucketName"));
    v = json_object_get(bucket, "Ref");
    return json_is_string(v) && strcmp(json_string_value(v), id) == 0;
}

static int tls_only(const struct rule_ctx *c, const char *id, const json_t *res)
{
    const json_t *rp, *s;
    size_t i, j;

    json_array_foreach(json_object_get(c->model, "resource_policies"), i, rp) {
        const char *type = json_string_value(json_object_get(rp, "type"));
        if (!type || strcmp(type, "AWS::S3::BucketPolicy") != 0 || !governs(c, rp, id, res))
            continue;
        json_array_foreach(json_object_get(rp, "statements"), j, s)
            if (denies_plain_http(s))
                return 1;
    }
    return 0;
}

static void check_bucket(struct rule_ctx *c, struct buf *b, const char *id, const json_t *res)
{
    const json_t *ver = rules_prop(res, "VersioningConfiguration");
    const json_t *pab = rules_prop(res, "PublicAccessBlockConfiguration");

    if (!ver || plain_not(json_object_get(ver, "Status"), "Enabled"))
        rules_emit(c, "LF-S3-001", id,
                   res_path(b, id, "Properties", ver ? "VersioningConfiguration" : NULL), NULL,
                   NULL, "bucket '%s' does not keep object versions", id);
    for (const char *const *k = PAB; *k; k++)
        if (!json_is_object(pab) || !truthy(json_object_get(pab, *k))) {
            rules_emit(c, "LF-S3-002", id,
                       res_path(b, id, "Properties", pab ? "PublicAccessBlockConfiguration" : NULL),
                       NULL, NULL, "bucket '%s' does not set %s true", id, *k);
            break;
        }
    if (!rules_prop(res, "BucketEncryption"))
        rules_emit(c, "LF-S3-003", id, res_path(b, id, NULL, NULL), NULL, NULL,
                   "bucket '%s' does not declare its encryption", id);
    if (!tls_only(c, id, res))
        rules_emit(c, "LF-S3-004", id, res_path(b, id, NULL, NULL), NULL, NULL,
                   "bucket '%s' has no policy denying requests without TLS", id);
}

static int kept(const json_t *v, int snapshot, int deletion)
{
    const char *s = json_string_value(v);

    if (v && !s)
        return 1;   /* an intrinsic: cannot tell */
    return s && (strcmp(s, "Retain") == 0 || (snapshot && strcmp(s, "Snapshot") == 0) ||
                 (deletion && strcmp(s, "RetainExceptOnCreate") == 0));
}

static void check_retain(struct rule_ctx *c, struct buf *b, const char *id, const json_t *res,
                         int snapshot)
{
    const json_t *del = json_object_get(res, "DeletionPolicy");
    const json_t *rep = json_object_get(res, "UpdateReplacePolicy");
    const char *type = json_string_value(json_object_get(res, "Type"));

    if (!kept(del, snapshot, 1))
        rules_emit(c, "LF-RETAIN-001", id, res_path(b, id, del ? "DeletionPolicy" : NULL, NULL),
                   NULL, NULL, "%s '%s' is deleted with the stack (DeletionPolicy %s)", type, id,
                   del ? json_string_value(del) : "absent: Delete");
    if (!kept(rep, snapshot, 0))
        rules_emit(c, "LF-RETAIN-002", id,
                   res_path(b, id, rep ? "UpdateReplacePolicy" : NULL, NULL), NULL, NULL,
                   "%s '%s' is deleted when an update replaces it (UpdateReplacePolicy %s)", type,
                   id, rep ? json_string_value(rep) : "absent: Delete");
}

void rules_resources(struct rule_ctx *c)
{
    const char *id;
    const json_t *res;
    struct buf b;

    buf_init(&b);
    json_object_foreach(json_object_get(c->tpl, "Resources"), id, res) {
        const char *type = json_string_value(json_object_get(res, "Type"));
        if (!type)
            continue;
        if (strcmp(type, "AWS::S3::Bucket") == 0)
            check_bucket(c, &b, id, res);
        for (size_t i = 0; i < sizeof DATA / sizeof DATA[0]; i++)
            if (strcmp(type, DATA[i].type) == 0)
                check_retain(c, &b, id, res, DATA[i].snapshot);
    }
    if (buf_failed(&b))
        c->failed = 1;
    buf_free(&b);
}
