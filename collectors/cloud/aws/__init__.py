"""AWS accounts read through boto3: what the accounts run, for the Operate and Observe &
Respond cells. boto3 is imported only when an account is scanned."""
