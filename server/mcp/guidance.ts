import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/**
 * What Archon tells an assistant at initialisation: v1's research-first
 * workflow and task cycle (archon-v1.md §5), for the tools this server has.
 * Kept short: clients put it in the model's context on every turn.
 */
export const INSTRUCTIONS = `Archon: a documentation knowledge base and the project's task board.

Research before coding:
1. rag_get_available_sources with query="<library>" finds a source's id; if none, ask before adding docs with rag_add_source (url).
2. rag_search_knowledge_base with 2-5 keywords ("vector index", "useEffect cleanup"), source_id to stay in one library; max_tokens bounds the answer.
3. rag_read_full_page (page_id) for a whole page; rag_search_code_examples for code.
Prefer what the docs say over memory, and cite page URLs.

Task cycle (find_tasks, manage_task):
- Find the project (find_projects) and its tasks; take the next todo task.
- Move it to doing before working, review when done for checking; only one task in doing at a time. done is for tasks a person accepted.
- Tasks are 30 minutes to 4 hours of work; split larger ones into subtasks (parent_task_id). Set priority, feature, and links to sources.
- Record decisions in project documents (manage_document).

Jobs (crawls, uploads, refreshes) run in the background: get_job follows one; with progress the tool waits and reports it.`;

/** Prompts built from the same workflow, for clients that offer them as commands. */
export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    'research_library',
    {
      title: 'Research a library before coding',
      description: "Look up a library's documentation in Archon before writing code with it.",
      argsSchema: {
        library: z.string().describe('Library or framework, e.g. react'),
        task: z.string().optional().describe('What you are about to build'),
      },
    },
    ({ library, task }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Before writing code${task ? ` for: ${task}` : ''}, research ${library} in Archon.\n` +
              `1. Call rag_get_available_sources with query "${library}" to find its source_id. If there is none, tell me and suggest the documentation URL to add with rag_add_source; do not guess.\n` +
              '2. Search with rag_search_knowledge_base (2-5 keywords per query, source_id set, max_tokens 4000), once per concept you need.\n' +
              '3. Read the most relevant pages in full with rag_read_full_page, and look for code with rag_search_code_examples.\n' +
              '4. Summarise what the documentation says that matters for the task (APIs, options, pitfalls, version notes), with the page URLs, then propose the code.',
          },
        },
      ],
    }),
  );
  server.registerPrompt(
    'plan_feature_tasks',
    {
      title: 'Plan tasks for a feature',
      description: 'Break a feature into tasks on the Archon board.',
      argsSchema: {
        feature: z.string().describe('The feature to plan'),
        project_id: z.string().optional().describe('Project id; otherwise found or created'),
      },
    },
    ({ feature, project_id }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Plan the feature "${feature}" as tasks in Archon.\n` +
              (project_id
                ? `1. Use project ${project_id} (find_projects with project_id shows it) and look at its open tasks (find_tasks with filter_by project).\n`
                : '1. Find the project with find_projects (query), or create it with manage_project; then look at its open tasks (find_tasks).\n') +
              '2. Research what the feature needs in the knowledge base (rag_search_knowledge_base) so tasks name the right APIs.\n' +
              `3. Create tasks of 30 minutes to 4 hours each with manage_task (action create, feature "${feature}", a priority, status todo, source_ids of the docs they need), in the order they should be done; split bigger ones into subtasks with parent_task_id.\n` +
              '4. List the tasks you created, with their ids, and say which one to start with.',
          },
        },
      ],
    }),
  );
}
