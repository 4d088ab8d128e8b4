"""A RestController answering GET, POST and PUT, as seed 000's screenshot shows.

``/tasks`` holds tasks in memory (one daemon process, several threads, so the
store takes a lock). Bad input is a 400 with the reason, never a traceback.
"""

import itertools
import threading

from carya import abort, expose, request, response
from carya.rest import RestController


class TaskStore:
    def __init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._tasks = {}

    def all(self):
        with self._lock:
            return [dict(task) for task in self._tasks.values()]

    def get(self, task_id):
        with self._lock:
            task = self._tasks.get(task_id)
            return dict(task) if task else None

    def add(self, name, done):
        with self._lock:
            task = {'id': next(self._ids), 'name': name, 'done': done}
            self._tasks[task['id']] = task
            return dict(task)

    def update(self, task_id, changes):
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:
                return None
            task.update(changes)
            return dict(task)


def task_fields(partial):
    """The ``name``/``done`` fields of the JSON body, checked."""
    try:
        body = request.json
    except ValueError:
        abort(400, 'the request body must be JSON')
    if not isinstance(body, dict):
        abort(400, 'the request body must be a JSON object')
    unknown = set(body) - {'name', 'done'}
    if unknown:
        abort(400, 'unknown field(s): ' + ', '.join(sorted(unknown)))
    if 'name' not in body and not partial:
        abort(400, "'name' is required")
    if 'name' in body and (not isinstance(body['name'], str) or not body['name'].strip()):
        abort(400, "'name' must be a non-empty string")
    if 'done' in body and not isinstance(body['done'], bool):
        abort(400, "'done' must be true or false")
    return body


def parse_id(task_id):
    try:
        return int(task_id)
    except ValueError:
        abort(404, f'no task {task_id!r}')


class TasksController(RestController):
    store = TaskStore()

    @expose('json')
    def get_all(self):
        return {'tasks': self.store.all()}

    @expose('json')
    def get_one(self, task_id):
        task = self.store.get(parse_id(task_id))
        if task is None:
            abort(404, f'no task {task_id}')
        return task

    @expose('json')
    def post(self):
        fields = task_fields(partial=False)
        response.status = 201
        return self.store.add(fields['name'], fields.get('done', False))

    @expose('json')
    def put(self, task_id):
        fields = task_fields(partial=True)
        task = self.store.update(parse_id(task_id), fields)
        if task is None:
            abort(404, f'no task {task_id}')
        return task


class RootController:
    tasks = TasksController()

    @expose('json')
    def index(self):
        return {'service': 'pecan_test', 'resources': ['/tasks']}

    @expose('json')
    def error(self, status):
        return {'error': status}
