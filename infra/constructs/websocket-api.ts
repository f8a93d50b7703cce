import {
  type IAccessLogSettings,
  type ThrottleSettings,
  WebSocketApi,
  WebSocketStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/**
 * The graphql-transport-ws endpoint: `$connect` behind a Lambda REQUEST
 * authorizer (the JWT check), `$disconnect` and `$default` to the ws handler,
 * one auto-deployed stage. The $connect handler's proxy response carries the
 * negotiated Sec-WebSocket-Protocol header back to the client, as AWS's
 * subprotocol example does (no route response needed).
 */
export interface EngineWebSocketApiProps {
  readonly apiName: string;
  readonly stageName: string;
  readonly handler: IFunction;
  readonly authorizer: IFunction;
  /** Must be present on every connect request, or API Gateway refuses it before the authorizer runs. */
  readonly identitySource: string;
  readonly throttle: ThrottleSettings;
  readonly accessLogSettings: IAccessLogSettings;
}

export class EngineWebSocketApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;

  constructor(scope: Construct, id: string, props: EngineWebSocketApiProps) {
    super(scope, id);
    // Not "Default": CDK drops that id from logical ids, which would collide with the route's own.
    const integration = (name: string) => new WebSocketLambdaIntegration(name, props.handler);
    this.api = new WebSocketApi(this, 'Api', {
      apiName: props.apiName,
      connectRouteOptions: {
        integration: integration('ConnectIntegration'),
        authorizer: new WebSocketLambdaAuthorizer('ConnectAuthorizer', props.authorizer, {
          identitySource: [props.identitySource],
        }),
      },
      disconnectRouteOptions: { integration: integration('DisconnectIntegration') },
      defaultRouteOptions: { integration: integration('DefaultIntegration') },
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName,
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: props.accessLogSettings,
    });
  }
}
