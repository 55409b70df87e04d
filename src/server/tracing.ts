/**
 * The GraphQL operation span of a traced request (installed only when
 * tracing is on; src/tracing.ts starts the SDK and the HTTP and PostgreSQL
 * instrumentations).
 *
 * Compiled reads answer from PostgreSQL's JSON without running graphql-js, so
 * a graphql-js instrumentation would miss them: the span is made here. The
 * middleware opens it around the rest of the request, making it the parent
 * of the PostgreSQL spans; the plugin names it once the operation is known
 * (`query Customer360`) and marks errors. Variables and the query text are
 * never recorded.
 */
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import type { Context } from '../graphql/context';
import { ANONYMOUS_OPERATION } from '../shared/metrics';

const tracer = trace.getTracer('customer-graph');

export function graphqlTracing(): { middleware: RequestHandler; plugin: ApolloServerPlugin<Context> } {
  const middleware: RequestHandler = (_req, res, next) => {
    const span = tracer.startSpan('graphql', { kind: SpanKind.INTERNAL });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute('http.response.status_code', res.statusCode);
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(context.active(), span), next);
  };
  const plugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      const span: Span | undefined = trace.getActiveSpan();
      if (!span) return;
      return {
        async didResolveOperation({ operation, operationName }) {
          if (!operation) return;
          const name = operation.name?.value ?? operationName ?? undefined;
          span.updateName(`${operation.operation} ${name ?? ANONYMOUS_OPERATION}`);
          span.setAttribute('graphql.operation.type', operation.operation);
          if (name) span.setAttribute('graphql.operation.name', name);
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors?.length) return;
          const code = errors[0].extensions?.code;
          span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : 'ERROR' });
          span.setAttribute('graphql.error.code', typeof code === 'string' ? code : 'ERROR');
        },
      };
    },
  };
  return { middleware, plugin };
}
