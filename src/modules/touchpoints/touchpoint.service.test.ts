import { touchpointFilterSql } from './touchpoint.service';
import { Channel, TouchpointResponse } from './touchpoint.enums';

describe('touchpointFilterSql', () => {
  it('is null when nothing is filtered', () => {
    expect(touchpointFilterSql(null)).toBeNull();
    expect(touchpointFilterSql({})).toBeNull();
  });
  it('numbers its own parameters from $1, values passed as parameters never as SQL text', () => {
    const f = touchpointFilterSql({ channelIn: [Channel.EMAIL], responseIn: [TouchpointResponse.NEGATIVE] })!;
    expect(f.sql).toBe('x.channel = ANY($1::text[]) AND x.response = ANY($2::text[])');
    expect(f.params).toEqual([['EMAIL'], ['NEGATIVE']]);
    expect(touchpointFilterSql({ responseIn: [] })).toEqual({ sql: 'x.response = ANY($1::text[])', params: [[]] });
  });
});
