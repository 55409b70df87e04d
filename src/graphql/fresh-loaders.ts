/**
 * DataLoaders cache rows for the whole request, which is right for a query but
 * wrong across mutations: in `mutation { a: … b: … }` a customer loaded while
 * resolving `a`'s payload would be served, stale, to `b`'s payload after `b`
 * changed it. This plugin gives the request a fresh set of loaders each time a
 * root mutation field has resolved, so each payload reads what its own
 * mutation committed. Root mutation fields run one after another, each with
 * its whole selection, so no payload ever sees another's cache.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from './context';
import { createLoaders } from '../modules/loaders';

export function freshLoadersAfterMutationsPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async executionDidStart({ operation }) {
          // No operation when the request names none of several, or one that is not there: Apollo answers that itself.
          if (operation?.operation !== 'mutation') return;
          return {
            willResolveField({ info, contextValue }) {
              if (info.path.prev !== undefined) return;
              // Runs when the mutation's resolver has returned, before its payload's fields resolve.
              return () => {
                contextValue.loaders = createLoaders(contextValue.ds.manager);
              };
            },
          };
        },
      };
    },
  };
}
