// What the rest of the app may use from the tasks feature.
export { NewTaskPage } from './NewTaskPage';
export { PendingApprovals } from './PendingApprovals';
export { TaskList } from './TaskList';
export { TaskPage } from './TaskPage';
export { TasksPage } from './TasksPage';
export { useTaskCounts } from './useTaskCounts';
