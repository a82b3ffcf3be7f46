/**
 * An exercise's questions as the server has them (`GET /api/assessmentitem?contentnode=`,
 * docs/media-api.md section 7): each row with the server's `problems`. No Vue here; writes
 * are sync changes (stores/questions.ts).
 */
import type { QuestionRow } from '@/components/exercise/questions'
import { getJson } from './http'

export function fetchQuestions(nodeId: string): Promise<QuestionRow[]> {
  return getJson<QuestionRow[]>(`/api/assessmentitem?contentnode=${encodeURIComponent(nodeId)}`)
}
