import { parsePeople, parseTeams } from '../hr-contract.js';
import { api } from '../session-state.js';
import { teamRows } from '../team-rows.js';
import { Show, useLoad, ViewHeader } from '../ui.js';

/** The team tree from the roster, with the active people of each tier per team. */
export function TeamsView() {
  const [loaded] = useLoad(async (signal) => {
    const [teams, people] = await Promise.all([
      api('/teams', parseTeams, { signal }),
      api('/people', parsePeople, { signal }),
    ]);
    return teamRows(teams, people);
  }, []);
  return (
    <>
      <ViewHeader title="Teams and tiers">
        Teams and their departments as the roster names them, with the active people of each tier. A
        pulse’s figures for a team need at least k people of a tier; smaller groups are merged into
        their department when a run starts. “With teams beneath” counts a team and every team under
        it, as leadership + frontline.
      </ViewHeader>
      <Show loaded={loaded} loading="Loading teams and people…">
        {(rows) =>
          rows.length === 0 ? (
            <p class="empty">No teams yet: they come with the roster. Import it under Roster.</p>
          ) : (
            <div class="table-scroll" role="region" aria-labelledby="view-title" tabIndex={0}>
              <table class="data-table team-table">
                <thead>
                  <tr>
                    <th scope="col">Team</th>
                    <th scope="col" class="num">
                      Leadership
                    </th>
                    <th scope="col" class="num">
                      Frontline
                    </th>
                    <th scope="col" class="num">
                      With teams beneath
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row.id}>
                      <th scope="row" style={{ paddingLeft: `${0.5 + row.depth * 1.25}rem` }}>
                        {row.depth > 0 ? <span aria-hidden="true">└ </span> : null}
                        {row.name}
                      </th>
                      <td class="num">{row.own.leadership}</td>
                      <td class="num">{row.own.frontline}</td>
                      <td class="num">
                        {row.total.leadership + row.total.frontline === 0
                          ? '0'
                          : `${row.total.leadership} + ${row.total.frontline}`}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </>
  );
}
