import { ArnFormat, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnSchedule, ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Where TaskSchedules live on AWS: a schedule group (the engine creates one
 * schedule per TaskSchedule in it at run time) and the role EventBridge
 * Scheduler assumes to deliver them, which can only send to the work queue.
 */
export interface ScheduleTargetProps {
  readonly groupName: string;
  readonly queue: IQueue;
}

export class ScheduleTarget extends Construct {
  readonly group: ScheduleGroup;
  readonly role: Role;
  private readonly queue: IQueue;

  constructor(scope: Construct, id: string, props: ScheduleTargetProps) {
    super(scope, id);
    this.queue = props.queue;
    const { account } = Stack.of(this);
    this.group = new ScheduleGroup(this, 'Group', { scheduleGroupName: props.groupName });
    this.role = new Role(this, 'Role', {
      description: 'EventBridge Scheduler: send fire_schedule messages to the work queue',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    });
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.queue.queueArn] }),
    );
  }

  /**
   * A message the engine itself needs on a fixed rate (the self-healing
   * sweep): one schedule in the group, delivered to the work queue with the
   * same role as the TaskSchedules.
   */
  addRecurringMessage(
    id: string,
    props: { rate: string; body: Record<string, unknown>; description: string },
  ) {
    return new CfnSchedule(this, id, {
      groupName: this.group.scheduleGroupName,
      description: props.description,
      scheduleExpression: props.rate,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.queue.queueArn,
        roleArn: this.role.roleArn,
        input: JSON.stringify(props.body),
        retryPolicy: { maximumRetryAttempts: 0 }, // the next minute's message is as good as a retry
      },
    });
  }

  /** Lets a function create/update/delete the group's schedules and hand them this role. */
  grantManageSchedules(grantee: IGrantable): void {
    const schedules = Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.scheduleGroupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
          'scheduler:GetSchedule',
        ],
        resources: [schedules],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }
}
