import { describe, expect, test } from 'vitest';
import {
  formatRoute,
  homeRoute,
  mayOpen,
  navigationFor,
  parseRoute,
  sectionOf,
  type Route,
} from './routes.js';
import { EMPTY_QUERY } from '../dashboard/query.js';

describe('routes in the address', () => {
  const routes: Route[] = [
    { view: 'dashboard', query: EMPTY_QUERY },
    {
      view: 'dashboard',
      query: { pulse: 'p 1', run: 'r/2', section: 'teams', team: 't', dimension: 'feasibility' },
    },
    { view: 'roster' },
    { view: 'teams' },
    { view: 'priorities' },
    { view: 'users' },
    { view: 'pulses' },
    { view: 'pulse', pulseId: null },
    { view: 'pulse', pulseId: '0b6f5c1e-2d1a-4c55-9a51-4c1f0d0f2a11' },
    { view: 'runs', pulseId: null },
    { view: 'runs', pulseId: '0b6f5c1e-2d1a-4c55-9a51-4c1f0d0f2a11' },
    { view: 'audit' },
    { view: 'room', sessionId: null },
    { view: 'room', sessionId: '0b6f5c1e-2d1a-4c55-9a51-4c1f0d0f2a11' },
  ];

  test.each(routes)('%o survives a reload', (route) => {
    expect(parseRoute(formatRoute(route))).toEqual(route);
  });

  test('the selected pulse of the runs view is a query parameter', () => {
    expect(formatRoute({ view: 'runs', pulseId: 'abc' })).toBe('#/runs?pulse=abc');
    expect(parseRoute('#/runs?pulse=abc&other=1')).toEqual({ view: 'runs', pulseId: 'abc' });
  });

  test('the dashboard keeps what it shows in the query; an unknown view is the default one', () => {
    expect(formatRoute({ view: 'dashboard' })).toBe('#/dashboard');
    expect(
      formatRoute({ view: 'dashboard', query: { ...EMPTY_QUERY, run: 'r1', section: 'trends' } }),
    ).toBe('#/dashboard?run=r1&view=trends');
    expect(parseRoute('#/dashboard?view=nowhere&pulse=&team=t1')).toEqual({
      view: 'dashboard',
      query: { ...EMPTY_QUERY, team: 't1' },
    });
  });

  test('an empty hash is the home of the role; an unknown one is not found', () => {
    expect(parseRoute('')).toBeNull();
    expect(parseRoute('#/')).toBeNull();
    expect(parseRoute('#/nowhere')).toEqual({ view: 'not-found', address: '/nowhere' });
    expect(parseRoute('#/roster/extra')).toEqual({ view: 'not-found', address: '/roster/extra' });
    expect(homeRoute('admin')).toEqual({ view: 'pulses' });
    expect(homeRoute('executive')).toEqual({ view: 'dashboard' });
  });

  test('executives see the dashboard only; HR sees everything', () => {
    expect(navigationFor('executive').map((item) => item.label)).toEqual(['Dashboard']);
    expect(navigationFor('admin').map((item) => item.label)).toEqual([
      'Roster',
      'Teams',
      'Priorities',
      'Users',
      'Pulses',
      'Runs',
      'Audit log',
      'Dashboard',
    ]);
    expect(mayOpen('executive', 'roster')).toBe(false);
    expect(mayOpen('executive', 'dashboard')).toBe(true);
    expect(mayOpen('admin', 'audit')).toBe(true);
  });

  test('the live room is a page of executives and HR, under the dashboard', () => {
    expect(formatRoute({ view: 'room', sessionId: 's1' })).toBe('#/room?session=s1');
    expect(parseRoute('#/room?session=')).toEqual({ view: 'room', sessionId: null });
    expect(mayOpen('executive', 'room')).toBe(true);
    expect(mayOpen('admin', 'room')).toBe(true);
    expect(sectionOf({ view: 'room', sessionId: 's1' })).toBe('dashboard');
  });
});
