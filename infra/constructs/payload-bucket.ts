import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * Values over ACE_PAYLOAD_INLINE_MAX_BYTES (src/payloads): encrypted, never
 * public, TLS only. `payloads/<tenant>/` holds session data as long as its
 * rows live (moved to Intelligent-Tiering after 30 days); `queue/` holds
 * bodies too large for SQS, expired after the queue's retention (14 days).
 */
export class PayloadBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: { removalPolicy: RemovalPolicy }) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'expire-queue-bodies', prefix: 'queue/', expiration: Duration.days(14) },
        {
          id: 'tier-payloads',
          prefix: 'payloads/',
          transitions: [
            { storageClass: StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) },
          ],
        },
      ],
    });
  }

  /** Read and write objects under the engine's two prefixes only: no list, no delete, no bucket settings. */
  grantPayloadAccess(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:PutObject'],
      resourceArns: [this.bucket.arnForObjects('payloads/*'), this.bucket.arnForObjects('queue/*')],
    });
  }
}
